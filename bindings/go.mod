module github.com/z4ai/z4ai/bindings

go 1.19
