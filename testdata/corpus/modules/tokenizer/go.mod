module example.com/tokenizer

go 1.22
