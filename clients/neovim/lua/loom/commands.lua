-- User commands (:Loom*), with completion of their arguments.
local M = {}

local function loom()
  local l = require('loom')
  l.ensure_setup()
  return l
end

local function filter(list, lead)
  local out = {}
  for _, v in ipairs(list) do
    if vim.startswith(v, lead or '') then
      table.insert(out, v)
    end
  end
  return out
end

local function numbers(from, to)
  local out = {}
  for i = from, to do
    table.insert(out, tostring(i))
  end
  return out
end

-- Model names worth offering: the offline ones, the current and planned models,
-- and `provider/` prefixes of the configured and built-in providers.
function M.model_names()
  local seen, out = {}, {}
  local function add(m)
    if m and m ~= '' and not seen[m] then
      seen[m] = true
      table.insert(out, m)
    end
  end
  add('offline/markov')
  add('offline/markov-slow')
  local cfg = require('loom.config')
  add(cfg.options.model)
  local st = require('loom').state(0)
  if st then
    add(st.model)
    for _, p in ipairs(st.modelPlan or {}) do
      add(p.model)
    end
  end
  for name, p in pairs(cfg.options.providers or {}) do
    for model in pairs(type(p) == 'table' and p.prices or {}) do
      add(name .. '/' .. model)
    end
    add(name .. '/')
  end
  for name, key in pairs(cfg.preset_keys) do
    if key then
      add(name .. '/')
    end
  end
  return out
end

local function child_counts()
  local st = require('loom').state(0)
  local n = st and st.children and #st.children or 0
  return numbers(1, n)
end

local function tree_ids(lead)
  local lsp = require('loom.lsp')
  local c = lsp.client()
  if not c then
    return {}
  end
  local res = lsp.call(c, 'request_sync', 'loom/trees', vim.empty_dict(), 1000, 0)
  local out = {}
  for _, t in ipairs(res and res.result or {}) do
    table.insert(out, tostring(t.id))
  end
  return filter(out, lead)
end

M.specs = {
  LoomAttach = { nargs = '*', complete = tree_ids, desc = 'Make this buffer a loom (optionally: treeId [nodeId])',
    run = function(a) loom().attach(0, a.fargs[1], a.fargs[2]) end },
  LoomGenerate = { nargs = '?', complete = function(l) return filter(numbers(1, 8), l) end, desc = 'Generate [n] branches',
    run = function(a) loom().generate(a.fargs[1]) end },
  LoomCancel = { nargs = 0, desc = 'Cancel the running generation', run = function() loom().cancel() end },
  LoomChild = { nargs = '?', complete = function(l) return filter(child_counts(), l) end, desc = 'Go to child [n] (else the selected one)',
    run = function(a) loom().child(a.fargs[1]) end },
  LoomParent = { nargs = 0, desc = 'Go to the parent', run = function() loom().parent() end },
  LoomNext = { nargs = 0, desc = 'Select the next sibling', run = function() loom().next() end },
  LoomPrev = { nargs = 0, desc = 'Select the previous sibling', run = function() loom().prev() end },
  LoomBookmark = { nargs = 0, desc = 'Toggle the bookmark of the current node', run = function() loom().bookmark() end },
  LoomNextBookmark = { nargs = 0, desc = 'Go to the next bookmark', run = function() loom().next_bookmark() end },
  LoomHoist = { nargs = 0, desc = 'Toggle hoisting the current node', run = function() loom().hoist() end },
  LoomTree = { nargs = 0, desc = 'Toggle the tree window', run = function() loom().tree() end },
  LoomModel = { nargs = 1, complete = function(l) return filter(M.model_names(), l) end, desc = 'Set the model of this tree',
    run = function(a) loom().set_model(a.fargs[1]) end },
  LoomBranches = { nargs = 1, complete = function(l) return filter(numbers(1, 8), l) end, desc = 'Set the number of branches',
    run = function(a) loom().set_branches(a.fargs[1]) end },
  LoomTokens = { nargs = 1, complete = function(l) return filter({ '16', '32', '64', '128', '256', '512' }, l) end, desc = 'Set max tokens per branch',
    run = function(a) loom().set_max_tokens(a.fargs[1]) end },
  LoomModelNames = { nargs = 0, desc = 'Toggle model names in the tree', run = function() loom().toggle_model_names() end },
  LoomDelete = { nargs = 0, bang = true, desc = 'Delete the current node and its subtree (! skips the question)',
    run = function(a) loom().delete(nil, 0, a.bang) end },
  LoomSave = { nargs = 0, desc = 'Save the tree to the database now', run = function() loom().save() end },
  LoomSetKey = { nargs = 1, complete = function(l)
      local out = {}
      for name, key in pairs(require('loom.config').preset_keys) do
        if key then table.insert(out, name) end
      end
      for name in pairs(require('loom.config').options.providers or {}) do
        table.insert(out, name)
      end
      table.sort(out)
      return filter(out, l)
    end, desc = 'Enter an API key for a provider (kept in the server process only)',
    run = function(a)
      local key = vim.fn.inputsecret('API key for ' .. a.fargs[1] .. ': ')
      if key ~= '' then loom().set_api_key(a.fargs[1], key) end
    end },
}

function M.create()
  for name, spec in pairs(M.specs) do
    local opts = { nargs = spec.nargs, desc = spec.desc, bang = spec.bang }
    if spec.complete then
      opts.complete = function(lead)
        return spec.complete(lead)
      end
    end
    vim.api.nvim_create_user_command(name, spec.run, opts)
  end
end

return M
