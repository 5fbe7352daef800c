print("gptls")
