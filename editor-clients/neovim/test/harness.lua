-- A tiny test harness for headless Neovim: tests run in one coroutine, so they can feed keys (which Neovim
-- processes after the coroutine yields back to the main loop) and wait for the server. Prints TAP lines to stdout
-- and quits with exit code 1 when a test failed.

local H = { count = 0, failed = 0, tests = {} }

local function out(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end

function H.test(name, fn)
  table.insert(H.tests, { name = name, fn = fn })
end

--- Yields to the main loop for `ms` milliseconds (keys fed before are processed meanwhile).
function H.sleep(ms)
  local co = coroutine.running()
  vim.defer_fn(function()
    coroutine.resume(co)
  end, ms)
  coroutine.yield()
end

--- Waits until `cond()` is truthy; errors with `what` after `timeout_ms`.
function H.wait_for(what, cond, timeout_ms)
  local deadline = vim.loop.now() + (timeout_ms or 60000)
  while true do
    local value = cond()
    if value then
      return value
    end
    if vim.loop.now() > deadline then
      error('timed out waiting for ' .. what, 2)
    end
    H.sleep(20)
  end
end

--- Feeds keys as if typed (mappings apply).
function H.type(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), 'mt', false)
end

function H.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(string.format('%s:\n  expected %s\n  actual   %s', what or 'values differ', vim.inspect(expected),
      vim.inspect(actual)), 2)
  end
end

function H.ok(value, what)
  if not value then
    error(what or 'expected a true value', 2)
  end
end

function H.run()
  local co = coroutine.create(function()
    out('TAP version 13')
    out('1..' .. #H.tests)
    for _, t in ipairs(H.tests) do
      H.count = H.count + 1
      local ok, err = xpcall(t.fn, debug.traceback)
      if ok then
        out(string.format('ok %d - %s', H.count, t.name))
      else
        H.failed = H.failed + 1
        out(string.format('not ok %d - %s', H.count, t.name))
        for line in tostring(err):gmatch('[^\n]+') do
          out('  # ' .. line)
        end
      end
    end
    out(string.format('# pass %d', H.count - H.failed))
    out(string.format('# fail %d', H.failed))
    vim.schedule(function()
      if H.failed > 0 then
        vim.cmd('cquit 1')
      else
        vim.cmd('qall!')
      end
    end)
  end)
  vim.schedule(function()
    local ok, err = coroutine.resume(co)
    if not ok then
      out('not ok - harness: ' .. tostring(err))
      vim.cmd('cquit 2')
    end
  end)
end

return H
