-- What the buffer shows besides its text: the selected child as ghost text, the
-- author tint of generated text, and the live streaming window with a spinner.
local config = require('loom.config')

local M = {}

local api = vim.api
local uv = vim.loop
local has10 = vim.fn.has('nvim-0.10') == 1
local has09 = vim.fn.has('nvim-0.9') == 1

M.ns_ghost = api.nvim_create_namespace('loom_ghost')
M.ns_tint = api.nvim_create_namespace('loom_tint')
M.ns_stream = api.nvim_create_namespace('loom_stream')

M.legend = {} -- semantic token type names from the server's legend
M.gens = {} -- bufnr -> live generation
M.finished = {} -- generationId -> true once it ended (late events are dropped)
M.stats = { redraws = 0, min_gap_ms = nil, token_events = 0, tokens = 0 }

function M.define_highlights()
  local function hl(name, opts)
    opts.default = true
    api.nvim_set_hl(0, name, opts)
  end
  hl('LoomGhost', { link = 'Comment' })
  hl('LoomGhostInfo', { link = 'NonText' })
  hl('LoomAuthorHuman', {})
  hl('LoomAuthorModel', { fg = '#8fb8de', ctermfg = 110 })
  hl('LoomAuthorEdited', { fg = '#d7b26b', ctermfg = 179 })
  hl('LoomStreamTitle', { link = 'Title' })
  hl('LoomStreamBranch', { link = 'Normal' })
  hl('LoomStreamIndex', { link = 'LineNr' })
  hl('LoomStreamError', { link = 'ErrorMsg' })
  hl('LoomSpinner', { link = 'Special' })
  hl('LoomTreeCurrent', { link = 'CursorLineNr' })
  hl('LoomTreePath', { link = 'Identifier' })
  hl('LoomTreeBookmark', { link = 'WarningMsg' })
  hl('LoomTreeModel', { link = 'Comment' })
end

local function author_group(name)
  name = tostring(name or '')
  local n = name:lower()
  if n:find('human') or n:find('user') then
    return 'LoomAuthorHuman'
  elseif n:find('edit') then
    return 'LoomAuthorEdited'
  elseif n:find('model') or n:find('gen') or n:find('ai') then
    return 'LoomAuthorModel'
  end
  return 'LoomAuthor' .. name:sub(1, 1):upper() .. name:sub(2)
end
M.author_group = author_group

function M.on_init(client)
  M.define_highlights()
  local sem = client.server_capabilities and client.server_capabilities.semanticTokensProvider
  M.legend = (sem and sem.legend and sem.legend.tokenTypes) or {}
  if has09 then
    -- Newer Neovim highlights semantic tokens itself: link its groups to ours.
    for _, t in ipairs(M.legend) do
      pcall(api.nvim_set_hl, 0, '@lsp.type.' .. t .. '.loom', { link = author_group(t), default = true })
      pcall(api.nvim_set_hl, 0, '@lsp.type.' .. t, { link = author_group(t), default = true })
    end
  end
end

---------------------------------------------------------------- ghost text

local function selected_child(state)
  if not state or type(state.children) ~= 'table' or #state.children == 0 then
    return nil, 0, 0
  end
  local idx = tonumber(state.selectedChildIdx) or 0
  if idx < 0 or idx >= #state.children then
    idx = 0
  end
  return state.children[idx + 1], idx + 1, #state.children
end
M.selected_child = selected_child

function M.ghost(bufnr, state)
  if not api.nvim_buf_is_valid(bufnr) then
    return
  end
  api.nvim_buf_clear_namespace(bufnr, M.ns_ghost, 0, -1)
  if not config.options.ghost_text or not state or state.generating then
    return
  end
  local child, pos, total = selected_child(state)
  if not child or type(child.text) ~= 'string' then
    return
  end
  local lines = vim.split(child.text, '\n', { plain = true })
  local last = api.nvim_buf_line_count(bufnr) - 1
  local lastline = api.nvim_buf_get_lines(bufnr, last, last + 1, true)[1] or ''
  local info = { ('  %d/%d'):format(pos, total), 'LoomGhostInfo' }
  local first = { { lines[1], 'LoomGhost' } }
  if #lines == 1 then
    table.insert(first, info)
  end
  local opts = {
    virt_text = first,
    virt_text_pos = has10 and 'inline' or 'eol',
    hl_mode = 'combine',
  }
  if #lines > 1 then
    local vl = {}
    for i = 2, #lines do
      local chunk = { { lines[i], 'LoomGhost' } }
      if i == #lines then
        table.insert(chunk, info)
      end
      table.insert(vl, chunk)
    end
    opts.virt_lines = vl
  end
  M.ghost_extmark = api.nvim_buf_set_extmark(bufnr, M.ns_ghost, last, #lastline, opts)
end

-- The ghost text currently shown: concatenated virtual text, or nil.
function M.ghost_text(bufnr)
  local marks = api.nvim_buf_get_extmarks(bufnr, M.ns_ghost, 0, -1, { details = true })
  if #marks == 0 then
    return nil
  end
  local d = marks[1][4]
  local parts = {}
  for _, c in ipairs(d.virt_text or {}) do
    if c[2] == 'LoomGhost' then
      table.insert(parts, c[1])
    end
  end
  for _, l in ipairs(d.virt_lines or {}) do
    table.insert(parts, '\n')
    for _, c in ipairs(l) do
      if c[2] == 'LoomGhost' then
        table.insert(parts, c[1])
      end
    end
  end
  return table.concat(parts), marks[1][2], marks[1][3]
end

---------------------------------------------------------------- author tint

-- Newer Neovim does this itself; 0.7/0.8 ask for the tokens and decode them.
local tint_pending = {}

function M.tint(bufnr)
  if has09 or not config.options.tint or #M.legend == 0 then
    return
  end
  if tint_pending[bufnr] then
    return
  end
  tint_pending[bufnr] = true
  vim.defer_fn(function()
    tint_pending[bufnr] = nil
    if not api.nvim_buf_is_valid(bufnr) then
      return
    end
    local lsp = require('loom.lsp')
    local tick = api.nvim_buf_get_changedtick(bufnr)
    lsp.request(bufnr, 'textDocument/semanticTokens/full', { textDocument = { uri = lsp.uri(bufnr) } }, function(err, result)
      if err or not result or not api.nvim_buf_is_valid(bufnr) then
        return
      end
      if api.nvim_buf_get_changedtick(bufnr) ~= tick then
        return M.tint(bufnr)
      end
      M.apply_tokens(bufnr, result.data or {})
    end)
  end, 30)
end

function M.apply_tokens(bufnr, data)
  api.nvim_buf_clear_namespace(bufnr, M.ns_tint, 0, -1)
  local lines = api.nvim_buf_get_lines(bufnr, 0, -1, true)
  local line, char = 0, 0
  for i = 1, #data - 4, 5 do
    local dl, dc, len, typ = data[i], data[i + 1], data[i + 2], data[i + 3]
    if dl > 0 then
      line, char = line + dl, dc
    else
      char = char + dc
    end
    local name = M.legend[typ + 1]
    local text = lines[line + 1]
    if name and text then
      local ok1, s = pcall(vim.str_byteindex, text, char, true)
      local ok2, e = pcall(vim.str_byteindex, text, math.min(char + len, vim.str_utfindex(text)), true)
      if ok1 and ok2 and e > s then
        api.nvim_buf_set_extmark(bufnr, M.ns_tint, line, s, {
          end_row = line,
          end_col = e,
          hl_group = author_group(name),
          priority = 90,
        })
      end
    end
  end
end

---------------------------------------------------------------- streaming

local function now_ms()
  return uv.hrtime() / 1e6
end

local function branch_line(g, i, width)
  local b = g.branches[i]
  local text = b and b.tail or ''
  text = text:gsub('\r?\n', '⏎')
  local prefix = ('%d│ '):format(i)
  local room = width - vim.fn.strdisplaywidth(prefix) - 1
  if vim.fn.strchars(text) > room then
    text = '…' .. vim.fn.strcharpart(text, vim.fn.strchars(text) - room + 1)
  end
  if b and b.error then
    text = text .. ' ✗ ' .. b.error
  end
  return prefix, text
end

local function render(g)
  local w = g.width
  local frame = config.options.spinner[(g.frame % #config.options.spinner) + 1]
  local total = 0
  for _, b in pairs(g.branches) do
    total = total + b.count
  end
  local title = ('%s %s · %d branch%s · %d tokens'):format(frame, g.model or 'model', g.n, g.n == 1 and '' or 'es', total)
  local lines = { title }
  local hls = { { 0, 'LoomStreamTitle' } }
  for i = 1, g.n do
    local prefix, text = branch_line(g, i, w)
    table.insert(lines, prefix .. text)
    table.insert(hls, { i, 'LoomStreamBranch', #prefix })
  end
  return lines, hls
end

local function ensure_float(g, height)
  local width = g.width
  if g.win and api.nvim_win_is_valid(g.win) then
    if api.nvim_win_get_height(g.win) ~= height then
      api.nvim_win_set_height(g.win, height)
    end
    return
  end
  if not g.buf or not api.nvim_buf_is_valid(g.buf) then
    g.buf = api.nvim_create_buf(false, true)
    vim.bo[g.buf].bufhidden = 'wipe'
    vim.bo[g.buf].filetype = 'loomstream'
  end
  -- Just below the end of the text when it is on screen (that is where the
  -- branches will go), else at the bottom of the window that shows the buffer.
  local cfg = { width = width, height = height, style = 'minimal', border = 'rounded', focusable = false, noautocmd = true }
  local win = vim.fn.bufwinid(g.bufnr)
  if win ~= -1 then
    local wpos = api.nvim_win_get_position(win)
    local wbottom = wpos[1] + api.nvim_win_get_height(win)
    local last = api.nvim_buf_line_count(g.bufnr)
    local lastline = api.nvim_buf_get_lines(g.bufnr, last - 1, last, true)[1] or ''
    local sp
    if (config.options.stream.anchor or 'end') == 'cursor' and win == api.nvim_get_current_win() then
      local cur = api.nvim_win_get_cursor(win)
      sp = vim.fn.screenpos(win, cur[1], cur[2] + 1)
    else
      sp = vim.fn.screenpos(win, last, math.max(1, #lastline))
    end
    cfg.relative, cfg.col = 'editor', wpos[2]
    if sp.row > 0 and sp.row + height + 2 <= wbottom then
      cfg.row = sp.row
    else
      cfg.row = math.max(wpos[1], wbottom - height - 2)
    end
  else
    cfg.relative, cfg.row, cfg.col = 'editor', math.max(0, vim.o.lines - height - 4), 0
  end
  cfg.width = math.max(20, math.min(width, vim.o.columns - 4))
  local ok, w = pcall(api.nvim_open_win, g.buf, false, cfg)
  if ok then
    g.win = w
    vim.wo[w].wrap = false
    vim.wo[w].winhl = 'Normal:NormalFloat'
  end
end

function M.redraw(g)
  if g.closed then
    return
  end
  local t = now_ms()
  if g.last_redraw then
    local gap = t - g.last_redraw
    if not M.stats.min_gap_ms or gap < M.stats.min_gap_ms then
      M.stats.min_gap_ms = gap
    end
  end
  g.last_redraw = t
  g.dirty = false
  g.redraws = g.redraws + 1
  M.stats.redraws = M.stats.redraws + 1
  local lines, hls = render(g)
  if config.options.stream.style == 'virtual_lines' then
    if not api.nvim_buf_is_valid(g.bufnr) then
      return
    end
    local vl = {}
    for i, l in ipairs(lines) do
      table.insert(vl, { { l, i == 1 and 'LoomStreamTitle' or 'LoomGhost' } })
    end
    local last = api.nvim_buf_line_count(g.bufnr) - 1
    g.mark = api.nvim_buf_set_extmark(g.bufnr, M.ns_stream, last, 0, { id = g.mark, virt_lines = vl })
  else
    ensure_float(g, #lines)
    if g.buf and api.nvim_buf_is_valid(g.buf) then
      api.nvim_buf_set_lines(g.buf, 0, -1, false, lines)
      api.nvim_buf_clear_namespace(g.buf, M.ns_stream, 0, -1)
      for _, h in ipairs(hls) do
        api.nvim_buf_add_highlight(g.buf, M.ns_stream, h[2], h[1], h[3] or 0, -1)
      end
    end
  end
end

-- Ask for a redraw: at most one per window every stream.redraw_ms.
function M.schedule_redraw(g)
  g.dirty = true
  if g.timer_armed or g.closed then
    return
  end
  local min = config.options.stream.redraw_ms or 16
  local wait = 0
  if g.last_redraw then
    wait = math.max(0, math.ceil(min - (now_ms() - g.last_redraw)))
  end
  g.timer_armed = true
  g.timer:start(wait, 0, vim.schedule_wrap(function()
    g.timer_armed = false
    if g.closed then
      return
    end
    if g.last_redraw and now_ms() - g.last_redraw < min then
      -- a timer fired early: try again at the right time
      return M.schedule_redraw(g)
    end
    if g.dirty then
      M.redraw(g)
    end
  end))
end

function M.close_stream(bufnr)
  local g = M.gens[bufnr]
  if not g then
    return
  end
  g.closed = true
  M.gens[bufnr] = nil
  if g.id then
    M.finished[g.id] = true
  end
  for _, t in ipairs({ g.timer, g.spin }) do
    if t and not t:is_closing() then
      t:stop()
      t:close()
    end
  end
  if g.win and api.nvim_win_is_valid(g.win) then
    api.nvim_win_close(g.win, true)
  end
  if api.nvim_buf_is_valid(bufnr) then
    api.nvim_buf_clear_namespace(bufnr, M.ns_stream, 0, -1)
  end
  require('loom.keymaps').generation_ended(bufnr)
  vim.cmd('redrawstatus')
end

-- Open the live window for a generation started from this client.
function M.start_stream(bufnr, n, model)
  M.close_stream(bufnr)
  local g = {
    bufnr = bufnr,
    n = math.max(1, n or 1),
    model = model,
    branches = {},
    frame = 0,
    redraws = 0,
    started = now_ms(),
    width = (config.options.stream and config.options.stream.width) or 80,
    timer = uv.new_timer(),
    spin = uv.new_timer(),
  }
  M.gens[bufnr] = g
  g.spin:start(100, 100, vim.schedule_wrap(function()
    if g.closed then
      return
    end
    g.frame = g.frame + 1
    M.schedule_redraw(g)
    vim.cmd('redrawstatus')
  end))
  require('loom.keymaps').generation_started(bufnr)
  M.schedule_redraw(g)
  return g
end

function M.spinner_frame(bufnr)
  local g = M.gens[bufnr]
  local frames = config.options.spinner
  return frames[((g and g.frame or 0) % #frames) + 1]
end

local function tail_limit(g)
  return g.width * 4
end

function M.on_generation(bufnr, p)
  local g = M.gens[bufnr]
  local ev = p.event
  if p.generationId and M.finished[p.generationId] then
    return
  end
  if ev == 'token' then
    if g and g.id and p.generationId and g.id ~= p.generationId then
      -- another generation of the same buffer (e.g. started by another client)
      M.close_stream(bufnr)
      g = nil
    end
    if not g then
      local st = require('loom.lsp').states[bufnr]
      g = M.start_stream(bufnr, st and st.nBranches or ((p.branchIdx or 0) + 1), st and st.model)
    end
    g.id = g.id or p.generationId
    local i = (tonumber(p.branchIdx) or 0) + 1
    if i > g.n then
      g.n = i
    end
    local b = g.branches[i]
    if not b then
      b = { tail = '', count = 0 }
      g.branches[i] = b
    end
    local tok = p.token or ''
    b.tail = (b.tail .. tok)
    local lim = tail_limit(g)
    if #b.tail > lim * 2 then
      b.tail = b.tail:sub(-lim):gsub('^[\128-\191]+', '')
    end
    b.count = b.count + 1
    M.stats.token_events = M.stats.token_events + 1
    M.stats.tokens = M.stats.tokens + 1
    M.schedule_redraw(g)
  elseif ev == 'complete' or ev == 'error' or ev == 'cancelled' then
    if g and not g.id then
      g.id = p.generationId
    end
    M.close_stream(bufnr)
    if p.generationId then
      M.finished[p.generationId] = true
    end
    M.last_event = p
    if ev == 'error' then
      require('loom.lsp').notify(('generation failed (%s): %s'):format(p.category or 'error', p.message or ''), vim.log.levels.ERROR)
    elseif ev == 'cancelled' then
      require('loom.lsp').notify('generation cancelled')
    elseif p.failures and #p.failures > 0 then
      local parts = {}
      for _, f in ipairs(p.failures) do
        table.insert(parts, ('branch %d (%s): %s'):format((f.branchIdx or 0) + 1, f.category or '?', f.message or ''))
      end
      require('loom.lsp').notify(#p.failures .. ' branch(es) failed: ' .. table.concat(parts, '; '), vim.log.levels.WARN)
    end
    local lsp = require('loom.lsp')
    if api.nvim_buf_is_valid(bufnr) then
      lsp.refresh(bufnr)
    end
  end
end

-- CPU time spent in the streaming path (os.clock: not counting time the process
-- waited for the CPU), for the suite's figures.
local function timed(name, fn)
  return function(...)
    local c0 = os.clock()
    local r = fn(...)
    local ms = (os.clock() - c0) * 1000
    local st = M.stats
    st.cpu_ms = (st.cpu_ms or 0) + ms
    if ms > (st.max_cpu_ms or 0) then
      st.max_cpu_ms, st.max_cpu_what = ms, name
    end
    return r
  end
end
M.redraw = timed('redraw', M.redraw)
M.on_generation = timed('event', M.on_generation)

---------------------------------------------------------------- refresh

function M.refresh(bufnr, state)
  M.ghost(bufnr, state)
  M.tint(bufnr)
  pcall(vim.cmd, 'redrawstatus')
end

return M
