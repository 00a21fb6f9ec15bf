-- Loom for Neovim: the buffer is the current path of a tree of continuations.
-- require('loom').setup{...}; see :help loom.
local config = require('loom.config')

local M = {}

local api = vim.api
local did_setup = false

local function lsp()
  return require('loom.lsp')
end

local function buf(bufnr)
  if bufnr == nil or bufnr == 0 then
    return api.nvim_get_current_buf()
  end
  return bufnr
end

-- The loom buffer to act on: the current one, or the source of a tree window.
local function target(bufnr)
  bufnr = buf(bufnr)
  local src = vim.b[bufnr].loom_source
  if src and api.nvim_buf_is_valid(src) then
    return src
  end
  return bufnr
end
M.target = target

local function need(bufnr)
  if not lsp().is_attached(bufnr) then
    lsp().notify('this buffer is not a loom (use :LoomAttach)', vim.log.levels.WARN)
    return false
  end
  return true
end

function M.setup(opts)
  config.set(opts)
  did_setup = true
  require('loom.ui').define_highlights()
  if not M._listening then
    M._listening = true
    lsp().on_state(function(bufnr, state)
      require('loom.ui').refresh(bufnr, state)
      require('loom.tree').on_state(bufnr, state)
    end)
  end
  local group = api.nvim_create_augroup('loom', { clear = true })
  api.nvim_create_autocmd('ColorScheme', { group = group, callback = require('loom.ui').define_highlights })
  if config.options.autostart then
    api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = config.options.filetypes,
      callback = function(a)
        M.attach(a.buf)
      end,
    })
    for _, b in ipairs(api.nvim_list_bufs()) do
      if api.nvim_buf_is_loaded(b) and vim.tbl_contains(config.options.filetypes, vim.bo[b].filetype) then
        M.attach(b)
      end
    end
  end
  if lsp().client() then
    lsp().push_settings()
  end
  for b in pairs(lsp().attached) do
    if api.nvim_buf_is_valid(b) then
      require('loom.keymaps').attach(b)
    end
  end
  return M
end

function M.ensure_setup()
  if not did_setup then
    M.setup({})
  end
end

function M.attach(bufnr, tree_id, node_id)
  M.ensure_setup()
  local args
  if tree_id then
    args = { treeId = tree_id, nodeId = node_id }
  end
  return lsp().attach(buf(bufnr), args)
end

function M.state(bufnr)
  return lsp().states[target(bufnr)]
end

local function cmd(name, args, bufnr, cb)
  bufnr = target(bufnr)
  if not need(bufnr) then
    return false
  end
  return lsp().execute(bufnr, name, args, cb)
end
M.command = cmd

-- Generate `n` branches (nil: the tree's setting); streams into the live window.
function M.generate(n, bufnr, opts)
  bufnr = target(bufnr)
  if not need(bufnr) then
    return false
  end
  local args = vim.deepcopy(opts or {})
  args.branches = n and tonumber(n) or args.branches
  local st = lsp().states[bufnr] or {}
  local ui = require('loom.ui')
  local g = ui.start_stream(bufnr, args.branches or st.nBranches or 1, args.model or st.model)
  vim.cmd('redrawstatus')
  return lsp().execute(bufnr, 'loom.generate', args, function(err)
    -- the answer can come after a newer generation started: close only our own window
    if ui.gens[bufnr] == g then
      ui.close_stream(bufnr)
    end
    lsp().refresh(bufnr)
    if err then
      return false
    end
  end)
end

function M.cancel(bufnr)
  return cmd('loom.cancel', {}, bufnr)
end

-- Go to a child: n is 1-based (nil: the selected child).
function M.child(n, bufnr)
  local args = {}
  if n then
    args.index = tonumber(n) - 1
  end
  return cmd('loom.navigateChild', args, bufnr)
end

function M.parent(bufnr)
  return cmd('loom.navigateParent', {}, bufnr)
end

function M.next(bufnr)
  return cmd('loom.selectSibling', { delta = 1 }, bufnr)
end

function M.prev(bufnr)
  return cmd('loom.selectSibling', { delta = -1 }, bufnr)
end

function M.navigate_to(node_id, bufnr)
  return cmd('loom.navigateTo', { nodeId = node_id }, bufnr)
end

function M.bookmark(node_id, bufnr)
  return cmd('loom.toggleBookmark', { nodeId = node_id }, bufnr)
end

function M.next_bookmark(bufnr)
  return cmd('loom.nextBookmark', {}, bufnr)
end

function M.hoist(bufnr)
  return cmd('loom.toggleHoist', {}, bufnr)
end

function M.toggle_model_names(bufnr)
  return cmd('loom.toggleModelNames', {}, bufnr)
end

function M.set_model(model, bufnr)
  return cmd('loom.setModel', { model = model }, bufnr)
end

function M.set_branches(n, bufnr)
  return cmd('loom.setBranches', { branches = tonumber(n) }, bufnr)
end

function M.set_max_tokens(n, bufnr)
  return cmd('loom.setMaxTokens', { maxTokens = tonumber(n) }, bufnr)
end

function M.set_context(text, bufnr)
  return cmd('loom.setContext', { context = text }, bufnr)
end

function M.save(bufnr)
  return cmd('loom.save', {}, bufnr)
end

-- Ask before deleting. Tests and scripts may replace this function.
function M.confirm(msg)
  return vim.fn.confirm(msg, '&Yes\n&No', 2) == 1
end

-- Delete a subtree: node_id, else the current node (moving to its parent first).
function M.delete(node_id, bufnr, force)
  bufnr = target(bufnr)
  if not need(bufnr) then
    return false
  end
  local st = lsp().states[bufnr] or {}
  node_id = node_id or st.currentNodeId
  if not node_id then
    return false
  end
  if node_id == st.rootId then
    lsp().notify('the root cannot be deleted', vim.log.levels.WARN)
    return false
  end
  if not force and not M.confirm('Delete this node and everything under it?') then
    return false
  end
  local function del()
    lsp().execute(bufnr, 'loom.deleteNode', { nodeId = node_id })
  end
  if node_id == st.currentNodeId then
    return lsp().execute(bufnr, 'loom.navigateParent', {}, function(err)
      if not err then
        del()
      end
    end)
  end
  del()
  return true
end

function M.set_api_key(provider, key)
  M.ensure_setup()
  local b = next(lsp().attached)
  if not lsp().client() then
    lsp().notify('the server is not running', vim.log.levels.WARN)
    return false
  end
  -- global command: no uri; the key is never logged or stored. The LSP log
  -- would record the request at DEBUG/TRACE: raise its level while it is sent.
  local log = require('vim.lsp.log')
  local level = log.get_level and log.get_level()
  local quiet = level and level < vim.log.levels.WARN
  if quiet then
    log.set_level(vim.log.levels.WARN)
  end
  local ok = lsp().request(b, 'workspace/executeCommand', { command = 'loom.setApiKey', arguments = { { provider = provider, key = key } } }, function(err)
    if err then
      lsp().notify('setApiKey failed: ' .. (err.message or ''), vim.log.levels.ERROR)
    else
      lsp().notify('key set for ' .. provider .. ' (this session only)')
    end
  end)
  if quiet then
    log.set_level(level)
  end
  return ok
end

function M.tree(bufnr)
  return require('loom.tree').toggle(target(bufnr))
end

function M.status(bufnr)
  return require('loom.status').status(bufnr)
end

return M
