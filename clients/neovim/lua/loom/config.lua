-- Options of require('loom').setup{}, their defaults, and how they become the
-- server's `loom` settings section (docs/protocol.md, "Settings").
local M = {}

M.defaults = {
  -- Server command (list or string). nil: `loom-language-server` on PATH, else the
  -- repository's .artifacts/server/loom-language-server next to this plugin.
  cmd = nil,
  -- SQLite file of the trees (passed as --db). nil: the server's default.
  db = nil,
  -- Server log level (--log-level): error, warn, info, debug. Its stderr lands in
  -- Neovim's LSP log (:lua vim.cmd.edit(vim.lsp.get_log_path())).
  log_level = 'warn',
  -- Extra environment for the server process (never put keys here: the server
  -- inherits the editor's environment).
  cmd_env = nil,
  filetypes = { 'loom' },
  -- Defaults for new trees (nil = the server decides).
  model = nil,
  branches = nil,
  max_tokens = nil,
  temperature = nil,
  timeout_seconds = nil,
  providers = nil,
  -- false: no mappings. true: the default set. A table: { action = lhs|false }.
  keymaps = false,
  -- Start the server and attach to buffers of `filetypes` automatically.
  autostart = true,
  -- vim.lsp client flags.
  flags = { debounce_text_changes = 0 },
  ghost_text = true,
  tint = true,
  stream = {
    style = 'float', -- 'float' or 'virtual_lines'
    anchor = 'end', -- float below the end of the text ('end') or below the cursor ('cursor')
    redraw_ms = 16, -- at most one redraw per window in this many ms
    width = 80,
  },
  tree = {
    width = 50,
    position = 'right', -- 'right', 'left', 'below'
    depth = nil, -- nil: the whole tree
  },
  spinner = { '⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏' },
}

-- The default key set (used when keymaps = true). Modes: n and i.
M.default_keymaps = {
  generate = '<M-g>',
  child = '<M-j>',
  parent = '<M-k>',
  next = '<M-l>',
  prev = '<M-h>',
  bookmark = '<M-b>',
  next_bookmark = '<M-n>',
  tree = '<M-t>',
  hoist = '<M-o>',
  cancel = '<C-c>', -- only while a generation runs in the buffer
}

M.options = vim.deepcopy(M.defaults)

local function warn(msg)
  vim.schedule(function()
    vim.notify('loom: ' .. msg, vim.log.levels.WARN)
  end)
end

-- Providers keep the protocol's field names. Keys never travel in settings: drop
-- any apiKey field with one warning that names the two ways in.
local function clean_providers(providers)
  if type(providers) ~= 'table' then
    return nil
  end
  local out = vim.deepcopy(providers)
  for name, p in pairs(out) do
    if type(p) == 'table' and (p.apiKey ~= nil or p.api_key ~= nil) then
      p.apiKey, p.api_key = nil, nil
      warn(('providers.%s.apiKey is ignored: set the environment variable named by apiKeyEnv, or use :LoomSetKey'):format(name))
    end
  end
  return out
end

function M.set(opts)
  opts = opts or {}
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- lists are replaced, not merged
  if opts.filetypes then
    merged.filetypes = opts.filetypes
  end
  if opts.spinner then
    merged.spinner = opts.spinner
  end
  if opts.cmd then
    merged.cmd = opts.cmd
  end
  merged.providers = clean_providers(merged.providers)
  M.options = merged
  return merged
end

-- The `loom` settings section (camelCase, as the protocol names it).
function M.settings(o)
  o = o or M.options
  local s = {}
  s.model = o.model
  s.branches = o.branches
  s.maxTokens = o.max_tokens
  s.temperature = o.temperature
  s.timeoutSeconds = o.timeout_seconds
  s.providers = o.providers
  return s
end

-- Directory of the plugin (clients/neovim) and the repository root above it.
function M.plugin_root()
  local src = debug.getinfo(1, 'S').source:sub(2)
  return vim.fn.fnamemodify(src, ':p:h:h:h')
end

function M.repo_root()
  return vim.fn.fnamemodify(M.plugin_root(), ':h:h')
end

-- Resolve the server executable: setup{cmd}, then $LOOM_SERVER, then PATH, then
-- the repo's build output. Returns the argv list (without --stdio/--db) or nil
-- and the places looked at.
function M.server_cmd(o)
  o = o or M.options
  if o.cmd then
    if type(o.cmd) == 'string' then
      return { o.cmd }, o.cmd
    end
    return vim.deepcopy(o.cmd), table.concat(o.cmd, ' ')
  end
  local env = vim.env.LOOM_SERVER
  if env and env ~= '' then
    return { env }, env
  end
  local onpath = vim.fn.exepath('loom-language-server')
  if onpath ~= '' then
    return { onpath }, onpath
  end
  local built = M.repo_root() .. '/.artifacts/server/loom-language-server'
  if vim.fn.executable(built) == 1 then
    return { built }, built
  end
  return nil, 'setup{cmd}, $LOOM_SERVER, loom-language-server on PATH, ' .. built
end

-- Full argv: server, --stdio, --db PATH.
function M.full_cmd(o)
  o = o or M.options
  local cmd, where = M.server_cmd(o)
  if not cmd then
    return nil, where
  end
  local has_stdio = false
  for _, a in ipairs(cmd) do
    if a == '--stdio' then
      has_stdio = true
    end
  end
  if not has_stdio then
    table.insert(cmd, '--stdio')
  end
  if o.db then
    table.insert(cmd, '--db')
    table.insert(cmd, vim.fn.expand(o.db))
  end
  if o.log_level and not vim.tbl_contains(cmd, '--log-level') then
    table.insert(cmd, '--log-level')
    table.insert(cmd, o.log_level)
  end
  return cmd, where
end

-- Where the database is (for :checkhealth): setup{db}, $LOOM_DB, XDG default.
function M.db_path(o)
  o = o or M.options
  if o.db then
    return vim.fn.expand(o.db), 'setup{db}'
  end
  if vim.env.LOOM_DB and vim.env.LOOM_DB ~= '' then
    return vim.env.LOOM_DB, '$LOOM_DB'
  end
  local data = vim.env.XDG_DATA_HOME
  if not data or data == '' then
    data = (vim.env.HOME or '~') .. '/.local/share'
  end
  return data .. '/loom/trees.sqlite', 'default'
end

-- Built-in provider presets: model prefix -> key variable (nil: no key needed).
M.preset_keys = {
  openai = 'OPENAI_API_KEY',
  openrouter = 'OPENROUTER_API_KEY',
  anthropic = 'ANTHROPIC_API_KEY',
  together = 'TOGETHER_API_KEY',
  fireworks = 'FIREWORKS_API_KEY',
  deepseek = 'DEEPSEEK_API_KEY',
  ollama = false,
  offline = false,
}

-- The key variable the model needs: name, or false when none is needed, or nil
-- when unknown.
function M.key_env_for(model, o)
  o = o or M.options
  if not model then
    return nil
  end
  local prefix = model:match('^([^/]+)/')
  if not prefix then
    return nil
  end
  local p = o.providers and o.providers[prefix]
  if p and p.apiKeyEnv then
    return p.apiKeyEnv
  end
  if p and (p.kind == 'offline' or p.kind == 'ollama') then
    return false
  end
  return M.preset_keys[prefix]
end

return M
