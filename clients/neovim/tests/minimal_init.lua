-- Neovim with only this plugin on the runtimepath (used by tests/run.sh).
local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local plugin = vim.fn.fnamemodify(here, ':h')
vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.more = false
vim.opt.showmode = false
vim.opt.shortmess:append('c')
vim.g.loom_test_root = plugin
