-- User commands of gptls. The server starts once require('gptls').setup{...} has run (see README.md).
if vim.g.loaded_gptls then
  return
end
vim.g.loaded_gptls = true

local command = vim.api.nvim_create_user_command

command('GptlsSummarize', function(args)
  require('gptls').summarize(0, args.line1, args.line2)
end, { range = true, desc = 'gptls: summarise the lines (floating window; i inserts it as a comment)' })

command('GptlsClassify', function(args)
  require('gptls').classify(0, args.line1, args.line2, args.fargs)
end, { range = true, nargs = '*', desc = 'gptls: classify the lines (optional labels: zero-shot)' })

command('GptlsStatus', function()
  require('gptls').status()
end, { desc = 'gptls: engine and cache figures' })

command('GptlsLog', function()
  vim.cmd('split ' .. vim.fn.fnameescape(vim.lsp.get_log_path()))
end, { desc = 'gptls: open the LSP log (the server stderr lands there)' })

command('GptlsStop', function()
  require('gptls').stop()
end, { desc = 'gptls: stop the server' })
