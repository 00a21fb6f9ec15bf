-- Loom: branching text for language models. See :help loom.
if vim.g.loaded_loom then
  return
end
vim.g.loaded_loom = true

if vim.fn.has('nvim-0.7') ~= 1 then
  vim.api.nvim_err_writeln('loom needs Neovim 0.7 or later')
  return
end

-- *.loom files are looms.
vim.api.nvim_create_autocmd({ 'BufNewFile', 'BufRead' }, {
  group = vim.api.nvim_create_augroup('loom_filetype', { clear = true }),
  pattern = '*.loom',
  command = 'setfiletype loom',
})

require('loom.commands').create()
