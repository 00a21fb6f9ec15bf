-- The language client: one `loom` client for all loom buffers, the per-buffer
-- LoomState, and the requests of docs/protocol.md.
local config = require('loom.config')

local M = {}

M.client_id = nil
M.states = {} -- bufnr -> LoomState (camelCase, as the server sends it)
M.attached = {} -- bufnr -> true
M.listeners = {} -- functions(bufnr, state) called after every state change

local has10 = vim.fn.has('nvim-0.10') == 1
local has11 = vim.fn.has('nvim-0.11') == 1

-- Client methods: plain functions up to 0.10, methods (client:request) from 0.11.
local function call(c, name, ...)
  if has11 then
    return c[name](c, ...)
  end
  return c[name](...)
end
M.call = call

local function notify(msg, level)
  vim.schedule(function()
    vim.notify('loom: ' .. msg, level or vim.log.levels.INFO)
  end)
end
M.notify = notify

function M.client()
  if not M.client_id then
    return nil
  end
  local c = vim.lsp.get_client_by_id(M.client_id)
  if not c or (c.is_stopped and call(c, 'is_stopped')) then
    return nil
  end
  return c
end

function M.bufnr_of(uri)
  for b in pairs(M.attached) do
    if vim.api.nvim_buf_is_valid(b) and vim.uri_from_bufnr(b) == uri then
      return b
    end
  end
  return nil
end

function M.uri(bufnr)
  return vim.uri_from_bufnr(bufnr)
end

function M.set_state(bufnr, state)
  if not bufnr or type(state) ~= 'table' then
    return
  end
  M.states[bufnr] = state
  for _, fn in ipairs(M.listeners) do
    local ok, err = pcall(fn, bufnr, state)
    if not ok then
      notify('listener failed: ' .. tostring(err), vim.log.levels.ERROR)
    end
  end
  -- for users: autocmd User LoomStateChanged
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'LoomStateChanged', modeline = false })
end

function M.on_state(fn)
  table.insert(M.listeners, fn)
end

-- LoomState from a command result (toggleBookmark wraps it in {bookmarked, state}).
local function state_of(result)
  if type(result) ~= 'table' then
    return nil
  end
  if result.state and type(result.state) == 'table' then
    return result.state
  end
  if result.currentNodeId ~= nil or result.fullText ~= nil then
    return result
  end
  return nil
end
M.state_of = state_of

local handlers = {}

handlers['loom/stateChanged'] = function(_, params)
  if not params then
    return
  end
  local b = M.bufnr_of(params.uri)
  if b then
    M.set_state(b, params.state)
  end
end

handlers['loom/generation'] = function(_, params)
  if not params then
    return
  end
  local b = M.bufnr_of(params.uri)
  if b then
    require('loom.ui').on_generation(b, params)
  end
end

-- Apply the server's buffer edits without echoing their label (0.7 prints it).
handlers['workspace/applyEdit'] = function(_, params, ctx)
  if not params then
    return
  end
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  local ok, err = pcall(vim.lsp.util.apply_workspace_edit, params.edit, client and client.offset_encoding or 'utf-16')
  return { applied = ok, failureReason = (not ok) and tostring(err) or nil }
end

-- Keep the server's log out of the way unless it is a warning or an error.
handlers['window/logMessage'] = function(_, params)
  if params and params.type and params.type <= 2 then
    notify(params.message, params.type == 1 and vim.log.levels.ERROR or vim.log.levels.WARN)
  end
end

handlers['window/showMessage'] = function(_, params)
  if params then
    local level = ({ vim.log.levels.ERROR, vim.log.levels.WARN, vim.log.levels.INFO, vim.log.levels.DEBUG })[params.type or 3]
    notify(params.message, level)
  end
end

-- Accepting a child from completion runs its command (loom.navigateTo) when the
-- completion path does not (0.7's omnifunc never does).
local function on_complete_done(bufnr)
  local item = vim.v.completed_item
  local ud = type(item) == 'table' and item.user_data
  local ci = type(ud) == 'table' and ud.nvim and ud.nvim.lsp and ud.nvim.lsp.completion_item
  local command = type(ci) == 'table' and ci.command
  if type(command) == 'table' and type(command.command) == 'string' and command.command:match('^loom%.') then
    local args = (command.arguments or {})[1] or {}
    M.execute(bufnr, command.command, args)
  end
end

local function on_attach(client, bufnr)
  vim.bo[bufnr].omnifunc = 'v:lua.vim.lsp.omnifunc'
  -- (loom.navigateTo is idempotent: harmless if a newer Neovim also runs it)
  vim.api.nvim_create_autocmd('CompleteDone', {
    buffer = bufnr,
    group = vim.api.nvim_create_augroup('loom_complete_' .. bufnr, { clear = true }),
    callback = function()
      on_complete_done(bufnr)
    end,
  })
  require('loom.keymaps').attach(bufnr)
  local want = M._pending_attach[bufnr]
  M._pending_attach[bufnr] = nil
  local ft = vim.bo[bufnr].filetype
  if want or ft ~= 'loom' then
    M.execute(bufnr, 'loom.attach', want ~= true and want or {})
  else
    M.refresh(bufnr)
  end
end
M._pending_attach = {}

-- The client configuration (also used by vim.lsp.start on 0.10+).
function M.start(bufnr)
  local c = M.client()
  if c then
    return M.client_id
  end
  local o = config.options
  local cmd, where = config.full_cmd(o)
  if not cmd then
    notify('server not found (looked at ' .. where .. '); build it with scripts/build-server.sh or set setup{cmd=...}', vim.log.levels.ERROR)
    return nil
  end
  local settings = { loom = config.settings(o) }
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  local conf = {
    name = 'loom',
    cmd = cmd,
    cmd_env = o.cmd_env,
    root_dir = vim.loop.cwd(),
    init_options = config.settings(o),
    settings = settings,
    capabilities = capabilities,
    handlers = handlers,
    flags = o.flags,
    on_attach = on_attach,
    on_init = function(client)
      require('loom.ui').on_init(client)
    end,
    on_exit = function(code, signal)
      vim.schedule(function()
        if code ~= 0 and not M._stopping then
          notify(('server exited (code %s, signal %s)'):format(tostring(code), tostring(signal)), vim.log.levels.WARN)
        end
        M.client_id = nil
        M._stopping = false
      end)
    end,
  }
  if has10 and bufnr then
    -- newer API: start (or reuse) and attach in one call
    M.client_id = vim.lsp.start(conf, {
      bufnr = bufnr,
      reuse_client = function(client)
        return client.name == 'loom'
      end,
    })
  else
    M.client_id = vim.lsp.start_client(conf)
  end
  return M.client_id
end

function M.stop()
  local c = M.client()
  if c then
    M._stopping = true
    call(c, 'stop')
  end
  M.client_id = nil
end

function M.is_attached(bufnr)
  return M.attached[bufnr] == true
end

-- Attach a buffer. `args` (optional) is sent with loom.attach ({treeId, nodeId}).
function M.attach(bufnr, args)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not vim.api.nvim_buf_is_loaded(bufnr) then
    return false
  end
  if vim.api.nvim_buf_get_name(bufnr) == '' then
    -- the server binds documents by URI: an unnamed buffer has none of its own
    notify('give the buffer a name first (:file name.loom or :write name.loom)', vim.log.levels.WARN)
    return false
  end
  -- The buffer is the current path, byte for byte: no newline is added at the
  -- end, so continuations go on the last line.
  vim.bo[bufnr].fixendofline = false
  vim.bo[bufnr].endofline = false
  if M.attached[bufnr] and M.client() then
    if args then
      M.execute(bufnr, 'loom.attach', args)
    end
    return true
  end
  M._pending_attach[bufnr] = args or (vim.bo[bufnr].filetype ~= 'loom' and true) or nil
  local id = M.start(bufnr)
  if not id then
    M._pending_attach[bufnr] = nil
    return false
  end
  if not M.attached[bufnr] then
    vim.api.nvim_create_autocmd('BufWipeout', {
      buffer = bufnr,
      once = true,
      callback = function()
        M.attached[bufnr] = nil
        M.states[bufnr] = nil
      end,
    })
  end
  M.attached[bufnr] = true
  vim.lsp.buf_attach_client(bufnr, id)
  return true
end

-- Send a request once the client is initialized and the buffer opened.
function M.request(bufnr, method, params, cb)
  local c = M.client()
  if not c then
    if cb then
      cb('loom: the server is not running', nil)
    end
    return false
  end
  local ok = call(c, 'request', method, params, function(err, result)
    if cb then
      cb(err, result)
    end
  end, bufnr)
  return ok
end

-- workspace/executeCommand with one argument object; {uri} added unless global.
-- The LoomState in the reply updates the buffer's state; cb(err, result).
function M.execute(bufnr, command, args, cb)
  args = vim.deepcopy(args or {})
  if bufnr then
    args.uri = args.uri or M.uri(bufnr)
  end
  return M.request(bufnr, 'workspace/executeCommand', { command = command, arguments = { args } }, function(err, result)
    if err then
      local msg = type(err) == 'table' and (err.message or vim.inspect(err)) or tostring(err)
      if not (cb and cb(err, result) == true) then
        notify(command .. ': ' .. msg, vim.log.levels.ERROR)
      end
      return
    end
    local st = state_of(result)
    if st and bufnr then
      M.set_state(bufnr, st)
    end
    if cb then
      cb(nil, result)
    end
  end)
end

function M.refresh(bufnr, cb)
  return M.request(bufnr, 'loom/state', { uri = M.uri(bufnr) }, function(err, result)
    if not err and result then
      M.set_state(bufnr, result)
    end
    if cb then
      cb(err, result)
    end
  end)
end

-- Push new settings to the running server (workspace/didChangeConfiguration).
function M.push_settings()
  local c = M.client()
  if not c then
    return
  end
  c.config.settings = { loom = config.settings() }
  call(c, 'notify', 'workspace/didChangeConfiguration', { settings = c.config.settings })
end

M.has10 = has10

return M
