module pprofd.test/target

go 1.19
