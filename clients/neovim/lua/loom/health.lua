-- :checkhealth loom: the server, the .NET runtime, the database, the model and
-- its key variable (whether it is set; never its value).
local config = require('loom.config')

local M = {}

local h = vim.health or {}
local legacy = {}
if not h.start and not h.report_start then
  local okh, mod = pcall(require, 'health')
  legacy = okh and mod or {}
end
local start = h.start or h.report_start or legacy.report_start
local ok = h.ok or h.report_ok or legacy.report_ok
local warn = h.warn or h.report_warn or legacy.report_warn
local error = h.error or h.report_error or legacy.report_error
local info = h.info or h.report_info or legacy.report_info

-- Start the server, send `initialize`, wait for the answer. Returns ok, detail.
function M.probe(cmd, timeout_ms)
  local out = ''
  local job = vim.fn.jobstart(cmd, {
    on_stdout = function(_, data)
      out = out .. table.concat(data, '\n')
    end,
    stderr_buffered = true,
  })
  if job <= 0 then
    return false, 'could not start ' .. cmd[1]
  end
  local body = vim.fn.json_encode({
    jsonrpc = '2.0',
    id = 1,
    method = 'initialize',
    params = { processId = vim.fn.getpid(), rootUri = vim.NIL, capabilities = vim.empty_dict() },
  })
  vim.fn.chansend(job, ('Content-Length: %d\r\n\r\n%s'):format(#body, body))
  local t0 = vim.loop.hrtime()
  local answered = vim.wait(timeout_ms or 15000, function()
    return out:find('"result"') ~= nil or out:find('"error"') ~= nil
  end, 20)
  local ms = (vim.loop.hrtime() - t0) / 1e6
  pcall(vim.fn.jobstop, job)
  if not answered then
    return false, ('no answer to initialize within %d ms'):format(timeout_ms or 15000)
  end
  if out:find('"error"') and not out:find('"result"') then
    return false, 'initialize failed: ' .. out:sub(1, 200)
  end
  local name = out:match('"serverInfo"%s*:%s*{[^}]-"name"%s*:%s*"([^"]+)"')
  local version = out:match('"serverInfo"%s*:%s*{[^}]-"version"%s*:%s*"([^"]+)"')
  return true, ('answered initialize in %d ms%s'):format(ms, name and (' (' .. name .. (version and (' ' .. version) or '') .. ')') or '')
end

function M.check()
  local o = config.options
  start('loom: Neovim')
  local v = vim.version()
  local vs = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.7') == 1 then
    ok('Neovim ' .. vs .. (vim.fn.has('nvim-0.10') == 1 and ' (inline ghost text, newer LSP API)' or ' (0.7 mode: extmark ghost text, omnifunc completion)'))
  else
    error('Neovim ' .. vs .. ' is too old: loom needs 0.7 or later')
  end

  start('loom: language server')
  local cmd, where = config.full_cmd(o)
  if not cmd then
    error('server not found; looked at ' .. where, { 'Build it: bash scripts/build-server.sh', "Or: require('loom').setup{ cmd = { '/path/to/loom-language-server' } }" })
  else
    if vim.fn.executable(cmd[1]) == 1 then
      ok('server: ' .. where)
    else
      error('server is not executable: ' .. cmd[1])
    end
    local lsp = require('loom.lsp')
    local c = lsp.client()
    if c and c.initialized then
      ok(('server running (client id %d, %d buffer(s) attached)'):format(c.id, vim.tbl_count(lsp.attached)))
    elseif vim.fn.executable(cmd[1]) == 1 then
      local good, detail = M.probe(cmd)
      if good then
        ok('server ' .. detail)
      else
        error('server ' .. detail)
      end
    end
  end

  start('loom: .NET runtime')
  local dotnet = vim.fn.exepath('dotnet')
  if dotnet == '' and vim.env.DOTNET_ROOT and vim.fn.executable(vim.env.DOTNET_ROOT .. '/dotnet') == 1 then
    dotnet = vim.env.DOTNET_ROOT .. '/dotnet'
  end
  if dotnet == '' then
    warn('dotnet not found: the server is framework-dependent and needs the .NET runtime', { 'Debian: apt-get install -y dotnet-runtime-8.0 (or the SDK)', 'Or set DOTNET_ROOT' })
  else
    local rts = vim.fn.systemlist({ dotnet, '--list-runtimes' })
    local found = {}
    for _, l in ipairs(rts) do
      local ver = l:match('^Microsoft%.NETCore%.App (%S+)')
      if ver then
        table.insert(found, ver)
      end
    end
    if #found > 0 then
      ok('.NET runtime: Microsoft.NETCore.App ' .. table.concat(found, ', ') .. ' (' .. dotnet .. ')')
    else
      warn('dotnet found at ' .. dotnet .. ' but no Microsoft.NETCore.App runtime is listed')
    end
  end

  start('loom: database')
  local db, src = config.db_path(o)
  if vim.fn.filereadable(db) == 1 then
    if vim.fn.filewritable(db) == 1 then
      ok(('database %s (%s, %d bytes)'):format(db, src, vim.fn.getfsize(db)))
    else
      error('database is not writable: ' .. db)
    end
  else
    local dir = vim.fn.fnamemodify(db, ':h')
    local parent = dir
    while vim.fn.isdirectory(parent) == 0 and parent ~= '/' and parent ~= '.' do
      parent = vim.fn.fnamemodify(parent, ':h')
    end
    if vim.fn.filewritable(parent) == 2 then
      ok(('database %s (%s) will be created on first use'):format(db, src))
    else
      error(('database directory %s is not writable'):format(dir))
    end
  end

  start('loom: model')
  local model = o.model
  local from = 'setup{model}'
  local st = require('loom').state(0)
  if st and st.model then
    model, from = st.model, 'this tree'
  end
  if not model then
    info('no model set: the server picks the first preset whose key variable is set, else offline/markov')
    local any = {}
    for name, var in pairs(config.preset_keys) do
      if var and vim.env[var] and vim.env[var] ~= '' then
        table.insert(any, var)
      end
    end
    table.sort(any)
    if #any > 0 then
      ok('key variables set: ' .. table.concat(any, ', '))
    else
      ok('no key variable set: offline/markov will be used (no network needed)')
    end
  else
    local var = config.key_env_for(model, o)
    if var == false then
      ok(('model %s (%s): no key needed'):format(model, from))
    elseif var == nil then
      warn(('model %s (%s): unknown provider prefix; define it in setup{providers}'):format(model, from))
    elseif vim.env[var] and vim.env[var] ~= '' then
      ok(('model %s (%s): key variable %s is set'):format(model, from, var))
    else
      warn(('model %s (%s): key variable %s is not set'):format(model, from, var), { 'export ' .. var .. '=... before starting Neovim, or :LoomSetKey ' .. model:match('^[^/]+') })
    end
  end
  for name, p in pairs(o.providers or {}) do
    if type(p) == 'table' and p.apiKeyEnv then
      if vim.env[p.apiKeyEnv] and vim.env[p.apiKeyEnv] ~= '' then
        ok(('provider %s: %s is set'):format(name, p.apiKeyEnv))
      else
        info(('provider %s: %s is not set'):format(name, p.apiKeyEnv))
      end
    end
  end
end

return M
