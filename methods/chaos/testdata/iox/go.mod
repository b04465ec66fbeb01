module example.com/iox

go 1.21
