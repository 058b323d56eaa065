module pprofd.test/faultserver

go 1.19
