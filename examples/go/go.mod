module z4ai.example/z4ai-example

go 1.19
