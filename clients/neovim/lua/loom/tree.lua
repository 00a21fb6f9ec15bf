-- :LoomTree: a split that shows the tree of the loom buffer (current path
-- marked, bookmarks, model names when toggled). <CR> navigates, b bookmarks,
-- d deletes (asks first), h hoists, m toggles model names, r refreshes, q closes.
local config = require('loom.config')

local M = {}
local api = vim.api

M.views = {} -- source bufnr -> { buf, win, lines = {row -> nodeId} }
M.ns = api.nvim_create_namespace('loom_tree')

local function lsp()
  return require('loom.lsp')
end

local function first_line(text, max)
  text = tostring(text or '')
  -- only the start of the text can show: cut before the (costlier) clean-up
  if #text > max * 4 + 8 then
    text = text:sub(1, max * 4 + 8)
  end
  text = text:gsub('\r?\n', '⏎ '):gsub('^%s+', '')
  if not text:find('[\128-\255]') then
    if #text > max then
      text = text:sub(1, max - 1) .. '…'
    end
    return text
  end
  if vim.fn.strchars(text) > max then
    text = vim.fn.strcharpart(text, 0, max - 1) .. '…'
  end
  return text
end

-- Build the lines from the nodes of loom/tree and the source's state.
function M.build(nodes, state, width)
  local by_id, kids, roots = {}, {}, {}
  for _, n in ipairs(nodes or {}) do
    by_id[n.id] = n
  end
  for _, n in ipairs(nodes or {}) do
    if n.parentId ~= nil and n.parentId ~= vim.NIL and by_id[n.parentId] then
      kids[n.parentId] = kids[n.parentId] or {}
      table.insert(kids[n.parentId], n)
    else
      table.insert(roots, n)
    end
  end
  local current = state and state.currentNodeId
  if not current then
    for _, n in ipairs(nodes or {}) do
      if n.checkedOut == true then
        current = n.id
      end
    end
  end
  local on_path = {}
  local cur = current and by_id[current]
  while cur do
    on_path[cur.id] = true
    cur = cur.parentId and by_id[cur.parentId]
  end
  local show_models = state and state.showModelNames
  local lines, ids, hls = {}, {}, {}
  local function walk(n, depth)
    local mark = n.id == current and '▶' or (on_path[n.id] and '●' or '○')
    local star = n.bookmarked and '★ ' or ''
    local indent = string.rep('  ', depth)
    local prefix = indent .. mark .. ' ' .. star
    local room = math.max(10, (width or 50) - (#indent + 2 + (n.bookmarked and 2 or 0)) - 2)
    local line = prefix .. first_line(n.text, room)
    local model_col
    if show_models and n.model and n.model ~= vim.NIL and n.model ~= '' then
      model_col = #line
      line = line .. '  [' .. n.model .. ']'
    end
    local below = kids[n.id] or {}
    if #below == 0 and (tonumber(n.childCount) or 0) > 0 then
      line = line .. (' (+%d)'):format(n.childCount)
    end
    table.insert(lines, line)
    ids[#lines] = n.id
    local row = #lines - 1
    if n.id == current then
      table.insert(hls, { row, 'LoomTreeCurrent', 0, -1 })
    elseif on_path[n.id] then
      table.insert(hls, { row, 'LoomTreePath', #indent, #indent + #mark })
    end
    if n.bookmarked then
      table.insert(hls, { row, 'LoomTreeBookmark', #indent + #mark + 1, #indent + #mark + 1 + #'★' })
    end
    if model_col then
      table.insert(hls, { row, 'LoomTreeModel', model_col, -1 })
    end
    for _, k in ipairs(below) do
      walk(k, depth + 1)
    end
  end
  for _, r in ipairs(roots) do
    walk(r, 0)
  end
  return lines, ids, hls, current
end

local function node_at_cursor(view)
  if not view or not view.win or not api.nvim_win_is_valid(view.win) then
    return nil
  end
  local row = api.nvim_win_get_cursor(view.win)[1]
  return view.ids[row]
end

function M.view_of_tree_buf(tbuf)
  for src, v in pairs(M.views) do
    if v.buf == tbuf then
      return v, src
    end
  end
end

function M.render(src, cb)
  local view = M.views[src]
  if not view or not api.nvim_buf_is_valid(view.buf) then
    return
  end
  local params = { uri = lsp().uri(src) }
  if config.options.tree.depth then
    params.depth = config.options.tree.depth
  end
  view.pending = (view.pending or 0) + 1
  lsp().request(src, 'loom/tree', params, function(err, result)
    view.pending = view.pending - 1
    if err or not api.nvim_buf_is_valid(view.buf) then
      if err then
        lsp().notify('loom/tree: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      end
      return
    end
    local nodes = result
    if type(result) == 'table' and result.nodes then
      nodes = result.nodes
    end
    local width = (view.win and api.nvim_win_is_valid(view.win)) and api.nvim_win_get_width(view.win) or config.options.tree.width
    local lines, ids, hls, current = M.build(nodes, lsp().states[src], width)
    view.ids = ids
    view.nodes = nodes
    vim.bo[view.buf].modifiable = true
    api.nvim_buf_set_lines(view.buf, 0, -1, false, lines)
    vim.bo[view.buf].modifiable = false
    api.nvim_buf_clear_namespace(view.buf, M.ns, 0, -1)
    for _, h in ipairs(hls) do
      api.nvim_buf_add_highlight(view.buf, M.ns, h[2], h[1], h[3], h[4])
    end
    -- follow the current node when it changes; otherwise leave the cursor alone
    if view.win and api.nvim_win_is_valid(view.win) and current and current ~= view.last_current then
      view.last_current = current
      for row, id in pairs(ids) do
        if id == current then
          api.nvim_win_set_cursor(view.win, { row, 0 })
        end
      end
    end
    view.rendered = (view.rendered or 0) + 1
    if cb then
      cb(view)
    end
  end)
end

local function map(view, src, lhs, fn, desc)
  vim.keymap.set('n', lhs, function()
    fn(node_at_cursor(view))
  end, { buffer = view.buf, silent = true, nowait = true, desc = 'loom tree: ' .. desc })
end

function M.open(src)
  local view = M.views[src]
  if view and view.win and api.nvim_win_is_valid(view.win) then
    api.nvim_set_current_win(view.win)
    return view
  end
  local loom = require('loom')
  local o = config.options.tree
  local pos = ({ right = 'botright vertical', left = 'topleft vertical', below = 'botright' })[o.position] or 'botright vertical'
  vim.cmd(pos .. ' ' .. (o.position == 'below' and 12 or o.width) .. 'new')
  local win = api.nvim_get_current_win()
  local tbuf = api.nvim_get_current_buf()
  vim.bo[tbuf].buftype = 'nofile'
  vim.bo[tbuf].bufhidden = 'wipe'
  vim.bo[tbuf].swapfile = false
  vim.bo[tbuf].modifiable = false
  pcall(api.nvim_buf_set_name, tbuf, 'loom-tree://' .. src)
  vim.bo[tbuf].filetype = 'loomtree'
  for opt, val in pairs({ wrap = false, number = false, relativenumber = false, cursorline = true, signcolumn = 'no', winfixwidth = true }) do
    vim.wo[win][opt] = val
  end
  vim.b[tbuf].loom_source = src
  view = { buf = tbuf, win = win, ids = {}, src = src }
  M.views[src] = view
  map(view, src, '<CR>', function(id)
    if id then
      loom.navigate_to(id, src)
    end
  end, 'go to this node')
  map(view, src, 'b', function(id)
    if id then
      loom.bookmark(id, src)
    end
  end, 'toggle bookmark')
  map(view, src, 'd', function(id)
    if id then
      loom.delete(id, src)
    end
  end, 'delete this subtree')
  map(view, src, 'h', function(id)
    local st = lsp().states[src]
    if id and st and id ~= st.currentNodeId and not st.hoistedNodeId then
      lsp().execute(src, 'loom.navigateTo', { nodeId = id }, function(err)
        if not err then
          loom.hoist(src)
        end
      end)
    else
      loom.hoist(src)
    end
  end, 'hoist this node')
  map(view, src, 'm', function()
    loom.toggle_model_names(src)
  end, 'toggle model names')
  map(view, src, 'r', function()
    M.render(src)
  end, 'refresh')
  map(view, src, 'q', function()
    M.close(src)
  end, 'close')
  api.nvim_create_autocmd('BufWipeout', {
    buffer = tbuf,
    once = true,
    callback = function()
      if M.views[src] and M.views[src].buf == tbuf then
        M.views[src] = nil
      end
    end,
  })
  M.render(src)
  return view
end

function M.close(src)
  local view = M.views[src]
  M.views[src] = nil
  if view and view.win and api.nvim_win_is_valid(view.win) then
    if #api.nvim_list_wins() > 1 then
      api.nvim_win_close(view.win, true)
    end
  end
end

function M.toggle(src)
  local view = M.views[src]
  if view and view.win and api.nvim_win_is_valid(view.win) then
    M.close(src)
    return nil
  end
  return M.open(src)
end

function M.on_state(src)
  if M.views[src] then
    M.render(src)
  end
end

return M
