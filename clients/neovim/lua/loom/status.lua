-- require('loom').status(): model, branch position ("2/5") and generation
-- state, for the statusline:  set statusline+=%{v:lua.require'loom'.status()}
local M = {}

function M.status(bufnr)
  local loom = require('loom')
  bufnr = loom.target(bufnr)
  local lsp = require('loom.lsp')
  if not lsp.is_attached(bufnr) then
    return ''
  end
  local st = lsp.states[bufnr]
  if not st then
    return 'loom …'
  end
  local parts = { 'loom', st.model or '?' }
  local n = type(st.children) == 'table' and #st.children or 0
  if n > 0 then
    local idx = (tonumber(st.selectedChildIdx) or 0) + 1
    table.insert(parts, ('%d/%d'):format(idx, n))
  else
    table.insert(parts, '0/0')
  end
  if st.bookmarked then
    table.insert(parts, '★')
  end
  if st.hoistedNodeId and st.hoistedNodeId ~= vim.NIL then
    table.insert(parts, 'hoisted')
  end
  local ui = require('loom.ui')
  if ui.gens[bufnr] or st.generating then
    table.insert(parts, ui.spinner_frame(bufnr) .. ' generating')
  end
  return table.concat(parts, ' ')
end

return M
