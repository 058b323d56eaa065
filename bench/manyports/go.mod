module pprofd.bench/manyports

go 1.19
