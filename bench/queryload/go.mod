module pprofd.bench/queryload

go 1.19
