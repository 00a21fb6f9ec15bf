-- Mappings: none unless setup{keymaps = true} (the default set) or a table
-- naming the user's own ({ generate = '<leader>g', child = false, ... }).
local config = require('loom.config')

local M = {}

M.actions = {
  generate = { 'Generate branches', function() require('loom').generate() end },
  child = { 'Go to the selected child', function() require('loom').child() end },
  parent = { 'Go to the parent', function() require('loom').parent() end },
  next = { 'Select the next sibling', function() require('loom').next() end },
  prev = { 'Select the previous sibling', function() require('loom').prev() end },
  bookmark = { 'Toggle bookmark', function() require('loom').bookmark() end },
  next_bookmark = { 'Go to the next bookmark', function() require('loom').next_bookmark() end },
  tree = { 'Toggle the tree view', function() require('loom').tree() end },
  hoist = { 'Toggle hoist', function() require('loom').hoist() end },
}

-- The mapping table in effect: action -> lhs.
function M.resolved()
  local km = config.options.keymaps
  if km == true then
    return vim.deepcopy(config.default_keymaps)
  end
  if type(km) == 'table' then
    local out = {}
    for action, lhs in pairs(km) do
      if type(lhs) == 'string' and lhs ~= '' then
        out[action] = lhs
      end
    end
    return out
  end
  return {}
end

function M.attach(bufnr)
  for action, lhs in pairs(M.resolved()) do
    local a = M.actions[action]
    if a then
      vim.keymap.set({ 'n', 'i' }, lhs, a[2], { buffer = bufnr, desc = 'loom: ' .. a[1], silent = true })
    end
  end
end

-- The cancel key lives only while a generation runs in the buffer.
function M.generation_started(bufnr)
  local lhs = M.resolved().cancel
  if not lhs or not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  vim.keymap.set({ 'n', 'i' }, lhs, function()
    require('loom').cancel(bufnr)
  end, { buffer = bufnr, desc = 'loom: cancel the generation', silent = true })
  vim.b[bufnr].loom_cancel_lhs = lhs
end

function M.generation_ended(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  local lhs = vim.b[bufnr].loom_cancel_lhs
  if lhs then
    pcall(vim.keymap.del, { 'n', 'i' }, lhs, { buffer = bufnr })
    vim.b[bufnr].loom_cancel_lhs = nil
  end
end

return M
