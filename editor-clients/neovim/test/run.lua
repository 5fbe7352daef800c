-- Headless Neovim against the real gptls binary:
--   nvim --headless -u NONE -i NONE --cmd 'set rtp^=editor-clients/neovim' -c 'luafile editor-clients/neovim/test/run.lua'
-- GPTLS_BIN: the binary (default .build/debug/gptls); GPTLS_MODEL: a model path (default: the bundled model).

local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
package.path = here .. '?.lua;' .. package.path
local H = require('harness')
vim.cmd('runtime! plugin/gptls.lua') -- -u NONE loads no plugins
vim.o.showmode = false
local gptls = require('gptls')
local api = vim.api

local repository = vim.fn.fnamemodify(here .. '../../..', ':p'):gsub('/$', '')
local binary = os.getenv('GPTLS_BIN') or (repository .. '/.build/debug/gptls')
if binary:sub(1, 1) ~= '/' then
  binary = vim.fn.getcwd() .. '/' .. binary
end
local cmd = { binary, 'serve', '--log-level', 'warning' }
local model = os.getenv('GPTLS_MODEL')
if model and model ~= '' then
  table.insert(cmd, '--model')
  table.insert(cmd, vim.fn.fnamemodify(model, ':p'))
end

-- GPTLS_SHARED=1: the plugin runs `gptls connect` on the socket GPTLS_SOCKET (several editors at once share it).
local shared = os.getenv('GPTLS_SHARED') == '1'
if shared then
  -- info: the shared process's log shows each connection (scripts/check/editors checks that both editors shared it).
  for _, word in ipairs({ '--socket', os.getenv('GPTLS_SOCKET'), '--idle-exit', '5', '--log-level', 'info' }) do
    table.insert(cmd, word)
  end
end

local settings = { temperature = 0, maxTokens = 12, summaryMaxTokens = 24, deadlineMs = 20000, context = true,
  contextBudget = 512, completionCache = true }

-- Notifications are recorded so tests can check what the user was told.
local notes = {}
vim.notify = function(message, level)
  table.insert(notes, { message = message, level = level })
end

local dir = vim.fn.tempname()
vim.fn.mkdir(dir, 'p')

local function buffer_text(bufnr)
  return table.concat(api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
end

local function ghost_marks(bufnr)
  local ns = api.nvim_get_namespaces()['gptls']
  return api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })
end

local function open_python(name, lines)
  vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/' .. name))
  local bufnr = api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'python'
  vim.bo[bufnr].commentstring = '# %s'
  vim.bo[bufnr].expandtab = true
  api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  -- The plugin attaches once the buffer has loaded.
  H.sleep(20)
  return bufnr
end

-- Waits until the plugin got the reply to a request made at the buffer's current text.
local function wait_for_reply(bufnr)
  H.sleep(10) -- let Neovim process the keys fed before
  H.wait_for('an inline completion reply', function()
    local state = gptls.state(bufnr)
    return state.last_result and state.last_result_tick == api.nvim_buf_get_changedtick(bufnr)
  end, 60000)
end

-- Types a new function header at the cursor and keeps typing the body's first word until the model offers ghost
-- text; returns it (nil when it never did).
local function type_until_ghost(bufnr)
  H.type('idef median(values):<CR>    ')
  for _, more in ipairs({ '', 'r', 'e', 't', 'u', 'r', 'n', ' ' }) do
    if more ~= '' then
      H.type(more)
    end
    wait_for_reply(bufnr)
    local ghost = gptls.ghost_text(bufnr)
    if ghost then
      return ghost
    end
  end
end

local function client()
  return H.wait_for('the gptls client to initialize', function()
    local c = gptls.client()
    return c and c.initialized and c
  end, 30000)
end

-- The server's answer to a request sent directly (not through the plugin), for comparison.
local function direct(method, params, bufnr)
  local c = client()
  local response
  if getmetatable(c) and type(getmetatable(c).__index) == 'table' and getmetatable(c).__index.request then
    response = c:request_sync(method, params, 60000, bufnr)
  else
    response = c.request_sync(method, params, 60000, bufnr)
  end
  H.ok(response and response.result, method .. ' answered: ' .. vim.inspect(response))
  return response.result
end

gptls.setup({ cmd = cmd, settings = settings, debounce_ms = 30, shared = shared })

H.test('the server starts for a file buffer and negotiates positions', function()
  local bufnr = open_python('start.py', { 'x = 1' })
  local c = client()
  H.ok(vim.lsp.buf_is_attached(bufnr, c.id), 'buffer attached')
  H.eq(true, c.server_capabilities.inlineCompletionProvider, 'inlineCompletionProvider')
  H.eq({ 'gptls.summarize', 'gptls.classify' }, c.server_capabilities.executeCommandProvider.commands, 'commands')
end)

H.test('typing shows the server ghost text; Tab inserts exactly that text', function()
  local bufnr = open_python('stats.py', { 'def mean(values):', '    return sum(values) / len(values)', '', '' })
  client()
  api.nvim_win_set_cursor(0, { 4, 0 })
  -- Type a new function header; keep typing until the model offers something.
  local ghost = type_until_ghost(bufnr)
  H.ok(ghost, 'ghost text appeared for one of the prompts; last reply: '
    .. vim.inspect(gptls.state(bufnr).last_result))
  H.eq('i', api.nvim_get_mode().mode, 'still in insert mode')
  local served = gptls.state(bufnr).last_result.items[1].insertText
  H.eq(served, ghost, 'ghost text is the served text')

  -- What the extmarks display: the first line at the cursor, the rest as virtual lines.
  local lines = vim.split(served, '\n', true)
  local marks = ghost_marks(bufnr)
  H.eq(1, #marks, 'one ghost extmark')
  local row, col = unpack(api.nvim_win_get_cursor(0))
  H.eq({ row - 1, col }, { marks[1][2], marks[1][3] }, 'extmark at the cursor')
  local details = marks[1][4]
  if lines[1] ~= '' then
    H.eq(lines[1], details.virt_text[1][1], 'first line as virtual text')
  end
  H.eq(#lines - 1, details.virt_lines and #details.virt_lines or 0, 'following lines as virtual lines')

  -- The same answer when asked directly at this position.
  local again = direct('textDocument/inlineCompletion', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = row - 1, character = col },
    context = { triggerKind = 1 },
  }, bufnr)
  H.eq(served, again.items[1] and again.items[1].insertText, 'a direct request returns the same text')

  local before = api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local line = before[row]
  local expected = vim.list_slice(before, 1, row - 1)
  local inserted = vim.split(line:sub(1, col) .. served .. line:sub(col + 1), '\n', true)
  vim.list_extend(expected, inserted)
  vim.list_extend(expected, vim.list_slice(before, row + 1, #before))
  H.type('<Tab>')
  H.wait_for('the buffer to change', function()
    return buffer_text(bufnr) ~= table.concat(before, '\n')
  end, 5000)
  H.eq(expected, api.nvim_buf_get_lines(bufnr, 0, -1, false), 'buffer after accepting')
  local cursor = api.nvim_win_get_cursor(0)
  H.eq({ row + #lines - 1, (#lines == 1 and col or 0) + #lines[#lines] }, cursor, 'cursor after the inserted text')
  H.type('<Esc>')
  H.wait_for('normal mode', function()
    return api.nvim_get_mode().mode == 'n'
  end, 5000)
  H.eq(0, #ghost_marks(bufnr), 'no ghost text after leaving insert mode')
end)

H.test('accept word and accept line take the next word and the rest of the line', function()
  H.eq('  foo', gptls.next_word('  foo(bar)'))
  H.eq('(', gptls.next_word('(bar)'))
  H.eq('\n    ', gptls.next_word('\n    return x'))
  H.eq('a = b', gptls.next_line('a = b\nc'))
  H.eq('\nc', gptls.next_line('\nc\nd'))
end)

H.test('accept word takes one word and keeps the rest; dismiss clears it and leaves the buffer', function()
  local bufnr = open_python('dismiss.py', { 'def add(a, b):', '    return a + b', '', '' })
  client()
  api.nvim_win_set_cursor(0, { 4, 0 })
  H.type('idef sub(a, b):<CR>    ')
  -- Keep typing until the ghost text has more than one word, so that something stays to dismiss.
  local ghost
  for _, more in ipairs({ '', 'r', 'e', 't', 'u', 'r', 'n' }) do
    if more ~= '' then
      H.type(more)
    end
    wait_for_reply(bufnr)
    ghost = gptls.ghost_text(bufnr)
    if ghost and #gptls.next_word(ghost) < #ghost then
      break
    end
    ghost = nil
  end
  H.ok(ghost, 'ghost text of more than one word appeared; last reply: '
    .. vim.inspect(gptls.state(bufnr).last_result))
  -- Accept one word: the buffer gains it and the rest stays as ghost text.
  local word = gptls.next_word(ghost)
  local row, col = unpack(api.nvim_win_get_cursor(0))
  local line = api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1]
  H.type('<C-Right>')
  H.wait_for('the word to be inserted', function()
    return gptls.ghost_text(bufnr) ~= ghost
  end, 5000)
  local after = vim.split(line:sub(1, col) .. word .. line:sub(col + 1), '\n', true)
  H.eq(after, api.nvim_buf_get_lines(bufnr, row - 1, row - 1 + #after, false), 'the word was inserted')
  H.eq(ghost:sub(#word + 1), gptls.ghost_text(bufnr), 'the rest is still ghost text')
  H.eq(1, #ghost_marks(bufnr), 'the rest is shown')
  local before = buffer_text(bufnr)
  H.type('<C-]>')
  H.wait_for('the ghost text to go', function()
    return gptls.ghost_text(bufnr) == nil and #ghost_marks(bufnr) == 0
  end, 5000)
  H.eq(before, buffer_text(bufnr), 'buffer unchanged')
  H.type('<Esc>')
  H.sleep(50)
end)

H.test('the server counts each shown suggestion and what became of it (gptls/status)', function()
  -- The two tests above: a suggestion accepted whole with Tab, one taken a word and then dismissed.
  local counts = direct('gptls/status', vim.empty_dict(), api.nvim_get_current_buf()).completionFeedback
  local model, count = next(counts)
  H.ok(model and next(counts, model) == nil, 'one model counted: ' .. vim.inspect(counts))
  H.ok(count.shown >= 2, 'at least two suggestions shown: ' .. vim.inspect(count))
  H.ok(count.accepted >= 1, 'the Tab accept counted: ' .. vim.inspect(count))
  H.ok(count.partiallyAccepted >= 1, 'the word taken before dismissing counted: ' .. vim.inspect(count))
  H.ok(count.acceptedCharacters >= 2, 'accepted characters counted: ' .. vim.inspect(count))
  H.ok(count.acceptanceRate > 0 and count.acceptanceRate <= 1, 'a rate: ' .. vim.inspect(count))
end)

H.test('typing the ghost text keeps the rest; a newer change cancels the request in flight', function()
  local bufnr = open_python('through.py', { 'def mul(a, b):', '    return a * b', '', '' })
  local c = client()
  api.nvim_win_set_cursor(0, { 4, 0 })
  H.type('idef div(a, b):<CR>    ')
  local ghost
  for _, more in ipairs({ '', 'r', 'e', 't', 'u' }) do
    if more ~= '' then
      H.type(more)
    end
    wait_for_reply(bufnr)
    ghost = gptls.ghost_text(bufnr)
    if ghost and #ghost > 1 and not ghost:find('^[\n<]') then
      break
    end
    ghost = nil
  end
  H.ok(ghost, 'ghost text of two or more characters appeared')
  local first = ghost:sub(1, 1)
  H.type(first == ' ' and '<Space>' or first)
  H.sleep(30)
  H.eq(ghost:sub(2), gptls.ghost_text(bufnr), 'the rest is still shown after typing its first character')

  -- A request in flight, then a change in the same moment: the plugin sends $/cancelRequest for it.
  local cancelled = {}
  local original = c.cancel_request
  -- Neovim 0.10+ clients are objects (client:cancel_request(id)); 0.7's take the id alone.
  local method_style = getmetatable(c) and type(getmetatable(c).__index) == 'table' and getmetatable(c).__index.request
  c.cancel_request = function(a, b)
    table.insert(cancelled, method_style and b or a)
    return original(a, b)
  end
  gptls.request(1)
  local pending = gptls.state(bufnr).pending
  H.ok(pending, 'a request is in flight')
  local row, col = unpack(api.nvim_win_get_cursor(0))
  api.nvim_buf_set_text(bufnr, row - 1, col, row - 1, col, { 'x' })
  api.nvim_win_set_cursor(0, { row, col + 1 })
  api.nvim_exec_autocmds('TextChangedI', { buffer = bufnr })
  c.cancel_request = original
  H.eq({ pending }, cancelled, 'the stale request was cancelled')
  H.type('<Esc>')
  H.sleep(50)
end)

H.test(':GptlsSummarize shows the summary in a float; i inserts it as a comment above the range', function()
  local lines = { 'def mean(values):', '    return sum(values) / len(values)', '', 'x = 1' }
  local bufnr = open_python('summary.py', lines)
  client()
  local source_win = api.nvim_get_current_win()
  gptls.last_summary = nil
  vim.cmd('1,2GptlsSummarize')
  local result = H.wait_for('the summary', function()
    return gptls.last_summary
  end, 60000)
  local expected = direct('gptls/summarize', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 2, character = 0 } },
  }, bufnr)
  H.eq(expected.summary, result.summary, 'the plugin shows what the server summarised')
  H.ok(vim.trim(result.summary) ~= '', 'the summary has text')
  local win = gptls.summary_window
  H.ok(api.nvim_win_is_valid(win), 'float open')
  H.ok(api.nvim_win_get_config(win).relative ~= '', 'it is a floating window')
  H.eq(vim.split(result.summary, '\n', true), api.nvim_buf_get_lines(api.nvim_win_get_buf(win), 0, -1, false),
    'float text')
  H.eq(win, api.nvim_get_current_win(), 'the float has the focus')
  H.type('i')
  H.wait_for('the float to close', function()
    return not api.nvim_win_is_valid(win)
  end, 5000)
  H.eq(source_win, api.nvim_get_current_win(), 'back in the source window')
  local comment = gptls.as_comment(bufnr, result.summary, '')
  local want = vim.list_extend(vim.deepcopy(comment), lines)
  H.eq(want, api.nvim_buf_get_lines(bufnr, 0, -1, false), 'summary inserted as a comment above line 1')
  for _, c in ipairs(comment) do
    H.ok(c == '#' or c:sub(1, 2) == '# ', 'comment line: ' .. c)
  end
end)

H.test(':GptlsClassify with labels shows the label and every probability', function()
  local bufnr = open_python('classify.py', { 'def mean(values):', '    return sum(values) / len(values)' })
  client()
  gptls.last_classification = nil
  notes = {}
  vim.cmd('1,2GptlsClassify python prose')
  local result = H.wait_for('the classification', function()
    return gptls.last_classification
  end, 60000)
  local expected = direct('gptls/classify', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 2, character = 0 } },
    labels = { 'python', 'prose' },
  }, bufnr)
  H.eq(expected.label, result.label, 'label')
  H.eq(expected.scores, result.scores, 'scores')
  H.eq(result.scores[1].label, result.label, 'label is the most probable')
  local labels = { result.scores[1].label, result.scores[2].label }
  table.sort(labels)
  H.eq({ 'prose', 'python' }, labels, 'both labels scored')
  local message = 'gptls: ' .. result.label .. ' (' .. gptls.format_scores(result) .. ')'
  local shown = false
  for _, n in ipairs(notes) do
    shown = shown or n.message == message
  end
  H.ok(shown, 'the user saw "' .. message .. '"; notes: ' .. vim.inspect(notes))
end)

H.test('a missing binary is reported once, with its name', function()
  gptls.stop()
  H.wait_for('the client to stop', function()
    return gptls.client() == nil
  end, 10000)
  notes = {}
  gptls.setup({ cmd = { '/nonexistent/gptls', 'serve' } })
  open_python('missing1.py', { 'a = 1' })
  H.sleep(50)
  open_python('missing2.py', { 'b = 2' })
  H.sleep(50)
  local errors = vim.tbl_filter(function(n)
    return n.level == vim.log.levels.ERROR
  end, notes)
  H.eq(1, #errors, 'one report: ' .. vim.inspect(notes))
  H.ok(errors[1].message:find('"/nonexistent/gptls" is not an executable file', 1, true), errors[1].message)
end)

H.test('a server that crashes at start is reported once, with its exit code', function()
  notes = {}
  gptls.stopping = false
  gptls.setup({ cmd = { binary, 'serve', '--no-such-flag' } })
  open_python('crash.py', { 'c = 3' })
  H.wait_for('the crash report', function()
    return #notes > 0
  end, 10000)
  H.sleep(200)
  local errors = vim.tbl_filter(function(n)
    return n.level == vim.log.levels.ERROR
  end, notes)
  H.eq(1, #errors, 'one report: ' .. vim.inspect(notes))
  H.ok(errors[1].message:find('exited unexpectedly %(exit code [1-9]'), errors[1].message)
end)

-- Ghost text inside a line: drawn inline where Neovim can (0.10+, found by trying), after the line's end on 0.7.
H.test('ghost text in the middle of a line is drawn inside the line where Neovim can', function()
  gptls.setup({ cmd = cmd, settings = settings, debounce_ms = 30 })
  local bufnr = open_python('inline.py', { 'def area(width, height):', '    return width * ()', '' })
  client()
  api.nvim_win_set_cursor(0, { 2, 19 })
  -- Entering insert mode changes nothing: the first typed character asks.
  H.type('a')
  local ghost
  for _, more in ipairs({ 'h', 'e', 'i', 'g', 'h' }) do
    H.type(more)
    wait_for_reply(bufnr)
    ghost = gptls.ghost_text(bufnr)
    if ghost then
      break
    end
  end
  H.ok(ghost, 'ghost text appeared inside the line; last reply: ' .. vim.inspect(gptls.state(bufnr).last_result))
  local marks = ghost_marks(bufnr)
  H.eq(1, #marks, 'one ghost extmark')
  local row, col = unpack(api.nvim_win_get_cursor(0))
  H.ok(col < #api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1], 'the cursor is inside the line')
  local inline = vim.fn.has('nvim-0.10') == 1
  H.eq(inline and 'inline' or 'eol', marks[1][4].virt_text_pos, 'where the ghost text is drawn')
  H.eq(vim.split(ghost, '\n', true)[1], marks[1][4].virt_text[1][1], 'the served text is drawn')
  H.type('<Esc>')
  H.sleep(50)
end)

if vim.lsp.config and vim.lsp.enable then
  H.test('Neovim 0.11+: vim.lsp.enable starts the server from lsp/gptls.lua and the ghost text works through it', function()
    gptls.stop()
    H.sleep(100)
    gptls.setup({ cmd = cmd, settings = settings, debounce_ms = 30, lsp_enable = true })
    local bufnr = open_python('enabled.py', { 'def mean(values):', '    return sum(values) / len(values)', '', '' })
    local c = client()
    H.eq('gptls', c.name, 'the client')
    H.ok(vim.lsp.buf_is_attached(bufnr, c.id), 'vim.lsp.enable attached the buffer')
    H.eq(cmd, c.config.cmd, 'the command from setup reached vim.lsp.config')
    api.nvim_win_set_cursor(0, { 4, 0 })
    local ghost = type_until_ghost(bufnr)
    H.ok(ghost, 'ghost text appeared through the enabled client')
    H.type('<Esc>')
    H.sleep(50)
  end)
end

H.run()
