-- gptls for Neovim: ghost text from a local model through vim.lsp, and summarise / classify on a range.
--
-- Works on Neovim 0.7 (Debian bookworm) and newer. Newer APIs are used where they exist, found by feature
-- detection (vim.lsp.start, method-style clients, inline virtual text), never by version strings.
--
-- Everything runs on Neovim's main loop; LSP handlers and timer callbacks are scheduled onto it.

local M = {}

local api = vim.api
local ns = api.nvim_create_namespace('gptls')

M.config = {
  cmd = { 'gptls', 'serve' },
  -- true: run `gptls connect` instead of `serve` (cmd's 'serve' is replaced), so every editor of this user shares
  -- one gptls process, one model in memory and one prompt cache.
  shared = false,
  -- Sent as initializationOptions (see protocol/README.md, Configuration).
  settings = {},
  debounce_ms = 150,
  -- nil: every buffer that has a file; else a list of filetypes.
  filetypes = nil,
  keys = {
    accept = '<Tab>',
    accept_word = '<C-Right>',
    accept_line = '<C-Down>',
    dismiss = '<C-]>',
    trigger = '<M-\\>',
  },
  highlight = 'Comment',
  -- Neovim 0.11+: start the server through vim.lsp.config / vim.lsp.enable (lsp/gptls.lua) instead of the plugin.
  lsp_enable = false,
  -- false: no ghost text from the plugin (Neovim 0.12's vim.lsp.inline_completion draws it instead).
  ghost_text = true,
}

M.buffers = {}
M.client_id = nil
M.failure_reported = false
M.last_summary = nil
M.last_classification = nil

--- The state of `bufnr`: {ghost = {row, col, text, tick}, pending = request id, last_result = the latest reply
--- and last_result_tick = the buffer's changedtick when it was asked for}.
function M.state(bufnr)
  local state = M.buffers[bufnr]
  if not state then
    state = {}
    M.buffers[bufnr] = state
  end
  return state
end
local buf_state = M.state

local function notify(message, level)
  vim.notify('gptls: ' .. message, level or vim.log.levels.INFO)
end

--- Reports why the server cannot run, once per setup.
local function report_failure(message)
  if M.failure_reported then
    return
  end
  M.failure_reported = true
  notify(message .. ' (log: ' .. vim.lsp.get_log_path() .. ')', vim.log.levels.ERROR)
end

-- Clients became objects with methods (client:request) in newer Neovim; 0.7's are tables of closures.
local function method_style(client)
  local mt = getmetatable(client)
  return mt ~= nil and type(mt.__index) == 'table' and mt.__index.request ~= nil
end

local function client_request(client, method, params, handler, bufnr)
  if method_style(client) then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function client_request_sync(client, method, params, timeout_ms, bufnr)
  if method_style(client) then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

local function client_notify(client, method, params)
  if method_style(client) then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

local function client_cancel(client, id)
  if method_style(client) then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

--- The running gptls client, or nil: the one this plugin started, or (Neovim 0.11+) one vim.lsp.enable started.
function M.client()
  if not M.client_id and vim.lsp.get_clients then
    local found = vim.lsp.get_clients({ name = 'gptls' })[1]
    M.client_id = found and found.id
  end
  if not M.client_id then
    return nil
  end
  local client = vim.lsp.get_client_by_id(M.client_id)
  if client and (client.initialized ~= false) and not (client.is_stopped and client.is_stopped()) then
    return client
  end
  return nil
end

--- The server command: `cmd`, with 'serve' replaced by 'connect' when `shared` is set.
function M.command()
  if not M.config.shared then
    return M.config.cmd
  end
  local cmd = {}
  for i, word in ipairs(M.config.cmd) do
    cmd[i] = (i == 2 and word == 'serve') and 'connect' or word
  end
  if cmd[2] ~= 'connect' then
    table.insert(cmd, 2, 'connect')
  end
  return cmd
end

local function client_config()
  return {
    name = 'gptls',
    cmd = M.command(),
    root_dir = vim.loop.cwd(),
    init_options = M.config.settings,
    flags = { debounce_text_changes = 20 },
    on_init = function(client)
      M.client_id = client.id
    end,
    handlers = {
      -- The server reports summaries and classifications of code actions this way too.
      ['window/showMessage'] = function(_, result)
        if result and result.message then
          local levels = { vim.log.levels.ERROR, vim.log.levels.WARN, vim.log.levels.INFO, vim.log.levels.DEBUG }
          notify(result.message, levels[result.type] or vim.log.levels.INFO)
        end
      end,
    },
    on_exit = function(code, signal)
      local was = M.client_id
      vim.schedule(function()
        if M.client_id == was then
          M.client_id = nil
        end
        if M.stopping then
          return
        end
        if code ~= 0 or (signal or 0) ~= 0 then
          report_failure(string.format('the server exited unexpectedly (exit code %d, signal %d)', code, signal or 0))
        end
      end)
    end,
  }
end

--- The client configuration for Neovim 0.11+'s vim.lsp.config (lsp/gptls.lua returns it): the one the plugin
--- starts itself, plus the filetypes of `setup`'s `filetypes` (nil: every filetype).
function M.lsp_config()
  local config = client_config()
  config.filetypes = M.config.filetypes
  config.root_dir = nil
  return config
end

--- Starts the server if needed and attaches it to `bufnr`.
function M.attach(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  local executable = M.config.cmd[1]
  if vim.fn.executable(executable) ~= 1 then
    report_failure(string.format('cannot start the server: "%s" is not an executable file '
      .. '(set cmd in require("gptls").setup)', executable))
    return nil
  end
  if not M.client() then
    M.stopping = false
  end
  local config = client_config()
  local ok, id
  if vim.lsp.start then
    -- Reuses the client with the same name and root_dir.
    ok, id = pcall(vim.lsp.start, config, { bufnr = bufnr })
  else
    if not M.client() then
      ok, id = pcall(vim.lsp.start_client, config)
    else
      ok, id = true, M.client_id
    end
    if ok and id then
      vim.lsp.buf_attach_client(bufnr, id)
    end
  end
  if not ok or not id then
    report_failure('cannot start the server: ' .. tostring(id))
    return nil
  end
  M.client_id = id
  return id
end

-- Ghost text -----------------------------------------------------------------------------------------------------

local inline_virt_text = nil

--- Whether extmarks can show virtual text inside a line (newer Neovim); probed once.
local function supports_inline(bufnr)
  if inline_virt_text == nil then
    local ok, id = pcall(api.nvim_buf_set_extmark, bufnr, ns, 0, 0, { virt_text = { { '' } }, virt_text_pos = 'inline' })
    inline_virt_text = ok
    if ok then
      api.nvim_buf_del_extmark(bufnr, ns, id)
    end
  end
  return inline_virt_text
end

-- Accept telemetry: each suggestion shown gets "shown", then one outcome (accepted: all of it was inserted;
-- partiallyAccepted: some of it, by word or line, before the rest went away; dismissed: none of it), reported with
-- gptls/completionFeedback. The server only counts them, for gptls/status; nothing leaves the machine.
local function feedback(event, characters)
  local client = M.client()
  if client then
    client_notify(client, 'gptls/completionFeedback', { event = event, acceptedCharacters = characters })
  end
end

--- Reports the outcome of the suggestion shown in `bufnr` that goes away now without being accepted whole.
local function finish_shown(bufnr)
  local state = buf_state(bufnr)
  local shown = state.shown
  if not shown then
    return
  end
  state.shown = nil
  if shown.taken > 0 then
    feedback('partiallyAccepted', shown.taken)
  else
    feedback('dismissed')
  end
end

--- Removes the ghost text; `keep_shown` when what is left of an accepted suggestion is shown again.
local function clear_ghost(bufnr, keep_shown)
  local state = buf_state(bufnr)
  if not keep_shown then
    finish_shown(bufnr)
  end
  state.ghost = nil
  if api.nvim_buf_is_valid(bufnr) then
    api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  end
end

local function show_ghost(bufnr, row, col, text)
  api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  local state = buf_state(bufnr)
  state.ghost = { row = row, col = col, text = text, tick = api.nvim_buf_get_changedtick(bufnr) }
  local lines = vim.split(text, '\n', true)
  local hl = M.config.highlight
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  local opts = { hl_mode = 'combine' }
  if lines[1] ~= '' then
    opts.virt_text = { { lines[1], hl } }
    if col >= #line then
      opts.virt_text_pos = 'overlay'
    elseif supports_inline(bufnr) then
      opts.virt_text_pos = 'inline'
    else
      -- Neovim 0.7 cannot show text inside a line: show the suggestion after the line's end.
      opts.virt_text_pos = 'eol'
    end
  end
  if #lines > 1 then
    local virt_lines = {}
    for i = 2, #lines do
      table.insert(virt_lines, { { lines[i], hl } })
    end
    opts.virt_lines = virt_lines
  end
  api.nvim_buf_set_extmark(bufnr, ns, row, col, opts)
end

--- The ghost text shown in `bufnr` now, or nil.
function M.ghost_text(bufnr)
  local ghost = buf_state(bufnr or api.nvim_get_current_buf()).ghost
  return ghost and ghost.text or nil
end

local function cancel_pending(bufnr)
  local state = buf_state(bufnr)
  local client = M.client()
  if state.pending and client then
    client_cancel(client, state.pending)
  end
  state.pending = nil
end

local function cursor()
  local pos = api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

local function in_insert_mode()
  return api.nvim_get_mode().mode:sub(1, 1) == 'i'
end

--- Asks for ghost text at the cursor of the current window now (trigger_kind 1 invoked, 2 automatic).
function M.request(trigger_kind)
  local bufnr = api.nvim_get_current_buf()
  local client = M.client()
  if not client or not client.initialized or not vim.lsp.buf_is_attached(bufnr, client.id) then
    return
  end
  cancel_pending(bufnr)
  local state = buf_state(bufnr)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = trigger_kind or 2 }
  local row, col = cursor()
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local ok, id
  ok, id = client_request(client, 'textDocument/inlineCompletion', params, function(err, result)
    if state.pending == id then
      state.pending = nil
    end
    if err then
      if err.code ~= -32800 and err.code ~= -32802 and err.code ~= -32801 then
        notify('inline completion failed: ' .. tostring(err.message), vim.log.levels.WARN)
      end
      return
    end
    state.last_result = result
    state.last_result_tick = tick
    -- Stale: the user typed or moved on while the server worked.
    if not api.nvim_buf_is_valid(bufnr) or api.nvim_get_current_buf() ~= bufnr
      or api.nvim_buf_get_changedtick(bufnr) ~= tick or not in_insert_mode() then
      return
    end
    local r, c = cursor()
    if r ~= row or c ~= col then
      return
    end
    local item = result and result.items and result.items[1]
    if item and item.insertText and item.insertText ~= '' then
      finish_shown(bufnr)
      show_ghost(bufnr, row, col, item.insertText)
      state.shown = { taken = 0 }
      feedback('shown')
    end
  end, bufnr)
  if ok then
    state.pending = id
  end
end

local timer = nil

local function schedule_request()
  if not timer then
    timer = vim.loop.new_timer()
  end
  timer:stop()
  timer:start(M.config.debounce_ms, 0, vim.schedule_wrap(function()
    if in_insert_mode() then
      M.request(2)
    end
  end))
end

--- After a change in insert mode: keep the ghost text the user typed into, else ask again after a pause.
local function on_text_changed()
  local bufnr = api.nvim_get_current_buf()
  local state = buf_state(bufnr)
  if not M.client() then
    return
  end
  local ghost = state.ghost
  if ghost then
    local tick = api.nvim_buf_get_changedtick(bufnr)
    if ghost.tick == tick then
      return
    end
    local row, col = cursor()
    if row == ghost.row and col > ghost.col then
      local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
      local typed = line:sub(ghost.col + 1, col)
      if ghost.text:sub(1, #typed) == typed and #typed < #ghost.text then
        cancel_pending(bufnr)
        show_ghost(bufnr, row, col, ghost.text:sub(#typed + 1))
        return
      end
    end
  end
  clear_ghost(bufnr)
  cancel_pending(bufnr)
  schedule_request()
end

local function on_cursor_moved()
  local bufnr = api.nvim_get_current_buf()
  local ghost = buf_state(bufnr).ghost
  -- A move that came with a change is TextChangedI's to judge (typing into the ghost text keeps it).
  if ghost and api.nvim_buf_get_changedtick(bufnr) == ghost.tick then
    local row, col = cursor()
    if row ~= ghost.row or col ~= ghost.col then
      clear_ghost(bufnr)
    end
  end
end

local function on_insert_leave()
  local bufnr = api.nvim_get_current_buf()
  if timer then
    timer:stop()
  end
  cancel_pending(bufnr)
  clear_ghost(bufnr)
end

--- Inserts `text` at the cursor and puts the cursor after it.
local function insert_at_cursor(bufnr, text)
  local row, col = cursor()
  local lines = vim.split(text, '\n', true)
  api.nvim_buf_set_text(bufnr, row, col, row, col, lines)
  local last = #lines
  local new_row = row + last - 1
  local new_col = (last == 1 and col or 0) + #lines[last]
  api.nvim_win_set_cursor(0, { new_row + 1, new_col })
end

--- The part of `text` that "accept word" takes: leading blanks and one word (or one run of punctuation),
--- or a line break and the next line's indentation.
function M.next_word(text)
  return text:match('^\n[ \t]*') or text:match('^[ \t]*[%w_]+') or text:match('^[ \t]*[^%w_%s]+')
    or text:match('^[ \t]+') or text
end

--- The part of `text` that "accept line" takes: up to the line break, or the break and the next line.
function M.next_line(text)
  if text:sub(1, 1) == '\n' then
    return text:match('^\n[^\n]*')
  end
  return text:match('^[^\n]*')
end

--- Accepts `part(text)` of the ghost text (all of it without `part`). Returns false when there is no ghost text.
local function accept(part)
  local bufnr = api.nvim_get_current_buf()
  local ghost = buf_state(bufnr).ghost
  if not ghost then
    return false
  end
  local taken = part and part(ghost.text) or ghost.text
  local rest = ghost.text:sub(#taken + 1)
  local state = buf_state(bufnr)
  local shown = state.shown
  if shown then
    shown.taken = shown.taken + vim.fn.strchars(taken)
    if rest == '' then
      state.shown = nil
      feedback('accepted', shown.taken)
    end
  end
  clear_ghost(bufnr, true)
  cancel_pending(bufnr)
  insert_at_cursor(bufnr, taken)
  if rest ~= '' then
    local row, col = cursor()
    show_ghost(bufnr, row, col, rest)
  end
  return true
end

function M.accept()
  return accept(nil)
end

function M.accept_word()
  return accept(M.next_word)
end

function M.accept_line()
  return accept(M.next_line)
end

function M.dismiss()
  local bufnr = api.nvim_get_current_buf()
  local had = buf_state(bufnr).ghost ~= nil
  cancel_pending(bufnr)
  clear_ghost(bufnr)
  return had
end

local function feed(keys)
  api.nvim_feedkeys(api.nvim_replace_termcodes(keys, true, false, true), 'n', true)
end

local function map_keys()
  local keys = M.config.keys
  local function map(lhs, action)
    if lhs and lhs ~= '' then
      -- Without ghost text the key does what it did before (Tab inserts a tab).
      vim.keymap.set('i', lhs, function()
        if not action() then
          feed(lhs)
        end
      end, { desc = 'gptls' })
    end
  end
  map(keys.accept, M.accept)
  map(keys.accept_word, M.accept_word)
  map(keys.accept_line, M.accept_line)
  map(keys.dismiss, M.dismiss)
  if keys.trigger and keys.trigger ~= '' then
    vim.keymap.set('i', keys.trigger, function()
      M.request(1)
    end, { desc = 'gptls: ask for ghost text' })
  end
end

-- Summarise and classify -----------------------------------------------------------------------------------------

--- The LSP range of lines line1..line2 (1-based, inclusive): from the first line's start to the next line's start
--- (the server reads a line past the end of the document as the end of the document).
local function lines_range(line1, line2)
  return { start = { line = line1 - 1, character = 0 }, ['end'] = { line = line2, character = 0 } }
end

--- `text` as comment lines in `bufnr`'s 'commentstring', indented by `indent`.
function M.as_comment(bufnr, text, indent)
  local cs = vim.bo[bufnr].commentstring
  if cs == nil or not cs:find('%%s') then
    cs = '# %s'
  end
  local left, right = cs:match('^(.-)%s*%%s%s*(.-)$')
  local out = {}
  for _, line in ipairs(vim.split(vim.trim(text), '\n', true)) do
    local s = indent .. left .. ' ' .. line .. (right ~= '' and (' ' .. right) or '')
    table.insert(out, (s:gsub('%s+$', '')))
  end
  return out
end

--- Shows `text` in a floating window near the cursor; `on_insert` runs for the insert key. Returns the window.
local function show_float(text, on_insert)
  local lines = vim.split(text, '\n', true)
  local width = 20
  for _, line in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(line))
  end
  width = math.min(width, math.max(20, vim.o.columns - 4))
  local fbuf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_lines(fbuf, 0, -1, false, lines)
  local win = api.nvim_open_win(fbuf, true, {
    relative = 'cursor', row = 1, col = 0, width = width, height = #lines, style = 'minimal', border = 'rounded',
  })
  local function close()
    if api.nvim_win_is_valid(win) then
      api.nvim_win_close(win, true)
    end
  end
  vim.keymap.set('n', 'q', close, { buffer = fbuf, desc = 'gptls: close' })
  vim.keymap.set('n', '<Esc>', close, { buffer = fbuf, desc = 'gptls: close' })
  if on_insert then
    vim.keymap.set('n', 'i', function()
      close()
      on_insert()
    end, { buffer = fbuf, desc = 'gptls: insert as a comment' })
  end
  return win
end

--- The client, attached to `bufnr` (so the server has the document), or nil after telling the user why not.
local function require_client(bufnr)
  local client = M.client()
  if client and not vim.lsp.buf_is_attached(bufnr, client.id) then
    M.attach(bufnr)
  end
  if not client or not client.initialized then
    notify('the server is not running (see :GptlsLog)', vim.log.levels.ERROR)
    return nil
  end
  return client
end

--- Summarises lines line1..line2 of `bufnr`; shows the summary in a floating window where `i` inserts it as a
--- comment above the range. `callback(err, result)` is optional.
function M.summarize(bufnr, line1, line2, callback)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local client = require_client(bufnr)
  if not client then
    return
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, range = lines_range(line1, line2) }
  client_request(client, 'gptls/summarize', params, function(err, result)
    if err then
      notify('summarize failed: ' .. tostring(err.message), vim.log.levels.ERROR)
    else
      M.last_summary = result
      local indent = (api.nvim_buf_get_lines(bufnr, line1 - 1, line1, false)[1] or ''):match('^%s*')
      M.summary_window = show_float(result.summary, function()
        api.nvim_buf_set_lines(bufnr, line1 - 1, line1 - 1, false, M.as_comment(bufnr, result.summary, indent))
      end)
    end
    if callback then
      callback(err, result)
    end
  end, bufnr)
end

--- "label (p%), other (q%)".
function M.format_scores(result)
  local parts = {}
  for _, s in ipairs(result.scores) do
    table.insert(parts, string.format('%s %.1f%%', s.label, 100 * s.probability))
  end
  return table.concat(parts, ', ')
end

--- Classifies lines line1..line2 of `bufnr` (zero-shot with `labels` when given) and shows the label and the
--- probabilities. `callback(err, result)` is optional.
function M.classify(bufnr, line1, line2, labels, callback)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local client = require_client(bufnr)
  if not client then
    return
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, range = lines_range(line1, line2) }
  if labels and #labels > 0 then
    params.labels = labels
  end
  client_request(client, 'gptls/classify', params, function(err, result)
    if err then
      notify('classify failed: ' .. tostring(err.message), vim.log.levels.ERROR)
    else
      M.last_classification = result
      M.last_classification_message = string.format('%s (%s)', result.label, M.format_scores(result))
      notify(M.last_classification_message)
    end
    if callback then
      callback(err, result)
    end
  end, bufnr)
end

function M.status()
  local client = require_client(api.nvim_get_current_buf())
  if not client then
    return nil
  end
  local response = client_request_sync(client, 'gptls/status', {}, 5000, api.nvim_get_current_buf())
  if response and response.result then
    print(vim.inspect(response.result))
    return response.result
  end
  notify('no status: ' .. vim.inspect(response and response.err), vim.log.levels.ERROR)
  return nil
end

-- Setup ----------------------------------------------------------------------------------------------------------

local function wanted(bufnr)
  if vim.bo[bufnr].buftype ~= '' or api.nvim_buf_get_name(bufnr) == '' then
    return false
  end
  local filetypes = M.config.filetypes
  if not filetypes then
    return true
  end
  return vim.tbl_contains(filetypes, vim.bo[bufnr].filetype)
end

--- Sets the plugin up. `lsp_enable = true` (Neovim 0.11+) starts the server with vim.lsp.config / vim.lsp.enable
--- instead of the plugin's own autocommand; `ghost_text = false` leaves inline completion to Neovim 0.12's
--- vim.lsp.inline_completion and keeps the commands (summarise, classify, status).
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  M.failure_reported = false
  local group = api.nvim_create_augroup('gptls', { clear = true })
  if M.config.ghost_text ~= false then
    map_keys()
    api.nvim_create_autocmd('TextChangedI', { group = group, callback = on_text_changed })
    api.nvim_create_autocmd('CursorMovedI', { group = group, callback = on_cursor_moved })
    api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, { group = group, callback = on_insert_leave })
  end
  api.nvim_create_autocmd('VimLeavePre', {
    group = group,
    callback = function()
      M.stopping = true
    end,
  })
  if M.config.lsp_enable and vim.lsp.enable then
    vim.lsp.config('gptls', M.lsp_config())
    vim.lsp.enable('gptls')
    return
  end
  api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile', 'FileType' }, {
    group = group,
    callback = function(args)
      -- During BufNewFile the buffer is not loaded yet: attach once the event is over.
      vim.schedule(function()
        if api.nvim_buf_is_valid(args.buf) and api.nvim_buf_is_loaded(args.buf) and wanted(args.buf) then
          M.attach(args.buf)
        end
      end)
    end,
  })
end

--- Stops the server (the next attach starts a new one).
function M.stop()
  local client = M.client()
  M.stopping = true
  if client then
    if method_style(client) then
      client:stop()
    else
      client.stop()
    end
  end
  M.client_id = nil
end

return M
