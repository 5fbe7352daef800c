-- Neovim 0.11+: the gptls language server for vim.lsp.config / vim.lsp.enable('gptls'), found on the runtimepath.
-- It is the configuration require('gptls').setup() would start (cmd, settings, handlers); override parts with
-- vim.lsp.config('gptls', {...}). setup({ lsp_enable = true }) does both steps itself.
return require('gptls').lsp_config()
