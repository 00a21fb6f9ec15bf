-- Neovim init for the first-run demo (scripts/run.sh): this plugin only, the
-- offline model, the default keymaps, and the loom status in the statusline.
local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local plugin = vim.fn.fnamemodify(here, ':h')
vim.opt.runtimepath:prepend(plugin)
vim.opt.termguicolors = vim.env.COLORTERM == 'truecolor' or vim.env.COLORTERM == '24bit'
vim.opt.wrap = true
vim.opt.linebreak = true
vim.opt.laststatus = 2
vim.opt.statusline = " %f %m%=%{v:lua.require'loom'.status()} "

local opts = {
  model = 'offline/markov',
  branches = 3,
  max_tokens = 32,
  keymaps = true,
}
if vim.env.LOOM_SERVER and vim.env.LOOM_SERVER ~= '' then
  opts.cmd = { vim.env.LOOM_SERVER }
end
if vim.env.LOOM_DEMO_DB and vim.env.LOOM_DEMO_DB ~= '' then
  opts.db = vim.env.LOOM_DEMO_DB
end
require('loom').setup(opts)

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    vim.defer_fn(function()
      local msg = 'Alt-g generate · Alt-l/Alt-h pick · Alt-j/Alt-k in/out · Alt-t tree · :help loom'
      msg = vim.fn.strcharpart(msg, 0, vim.o.columns - 12)
      vim.api.nvim_echo({ { 'Loom: ', 'Title' }, { msg } }, false, {})
    end, 300)
  end,
})
