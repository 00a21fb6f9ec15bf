-- A fake OpenAI-compatible completions server, run in its own headless Neovim:
--   nvim --headless --clean -c 'luafile tests/fake_openai.lua'
-- POST /v1/completions (stream) answers with server-sent events: one chunk per
-- token, a token every $FAKE_DELAY_MS ms (default 1), `max_tokens` tokens, then
-- a final chunk with usage and `data: [DONE]`. It writes its port to
-- $FAKE_PORT_FILE. Used by the suite to stream at a steady pace (the offline
-- model delivers everything in one burst).
local uv = vim.loop

local delay = tonumber(vim.env.FAKE_DELAY_MS or '1') or 1
local words = { ' the', ' keeper', ' lamp', ' sea', ' night', ' wrote', ' of', ' storm', ' light', ' and' }

local function chunk(text, finish, usage)
  local obj = {
    id = 'cmpl-fake',
    object = 'text_completion',
    model = 'fake',
    choices = { { index = 0, text = text, finish_reason = finish or vim.NIL, logprobs = vim.NIL } },
  }
  if usage then
    obj.usage = usage
  end
  return 'data: ' .. vim.json.encode(obj) .. '\n\n'
end

local function respond(client, req)
  local body = req:match('\r\n\r\n(.*)$') or ''
  local ok, data = pcall(vim.json.decode, body)
  if not ok or type(data) ~= 'table' then
    client:write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', function()
      client:close()
    end)
    return
  end
  local n = tonumber(data.max_tokens) or 16
  client:write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n')
  local i = 0
  local timer = uv.new_timer()
  timer:start(delay, delay, function()
    if client:is_closing() then
      timer:stop()
      timer:close()
      return
    end
    i = i + 1
    if i <= n then
      client:write(chunk(words[(i % #words) + 1]))
    else
      timer:stop()
      timer:close()
      client:write(chunk('', 'length', { prompt_tokens = 10, completion_tokens = n, total_tokens = n + 10 }))
      client:write('data: [DONE]\n\n', function()
        client:shutdown(function()
          client:close()
        end)
      end)
    end
  end)
end

local server = uv.new_tcp()
server:bind('127.0.0.1', 0)
server:listen(64, function(err)
  if err then
    return
  end
  local client = uv.new_tcp()
  server:accept(client)
  local buf = ''
  client:read_start(function(rerr, data)
    if rerr or not data then
      client:close()
      return
    end
    buf = buf .. data
    local head_end = buf:find('\r\n\r\n', 1, true)
    if head_end then
      local len = tonumber(buf:match('[Cc]ontent%-[Ll]ength:%s*(%d+)')) or 0
      if #buf - (head_end + 3) >= len then
        client:read_stop()
        respond(client, buf)
      end
    end
  end)
end)

local port = server:getsockname().port
local f = io.open(vim.env.FAKE_PORT_FILE or '/dev/stdout', 'w')
f:write(tostring(port) .. '\n')
f:close()
