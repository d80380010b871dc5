local io = require("io")
-- Levels inside xpcall, nested pcall, coroutines and tail calls.
local function fail(level)
  error("boom", level)
end
local function handler(message)
  return "handled: " .. tostring(message)
end
io.write(select(2, xpcall(fail, handler, 1)), "\n")
io.write(select(2, xpcall(fail, handler, 2)), "\n")
io.write(select(2, xpcall(function()
  fail(2)
end, handler)), "\n")
io.write(select(2, xpcall(function()
  fail(3)
end, handler)), "\n")

local ok, err = pcall(function()
  local inner_ok, inner_err = pcall(fail, 2)
  error(inner_err, 0)
end)
io.write(err, "\n")

-- A coroutine's stack ends at its body: a level past the body has no position.
local co = coroutine.create(function(level)
  fail(level)
end)
io.write(select(2, coroutine.resume(co, 2)), "\n")
co = coroutine.create(function(level)
  fail(level)
end)
io.write(select(2, coroutine.resume(co, 3)), "\n")
local gen = coroutine.wrap(function()
  coroutine.yield(1)
  fail(2)
end)
gen()
io.write(select(2, pcall(gen)), "\n")

-- error in tail position keeps its frame, as in Lua.
local function tail_raise()
  return error("tail 1")
end
io.write(select(2, pcall(function()
  tail_raise()
end)), "\n")
local function tail_raise2()
  return error("tail 2", 2)
end
io.write(select(2, pcall(function()
  tail_raise2()
end)), "\n")
-- A Lua function reached by a tail call replaces its caller: level 2 skips it.
local function callee()
  error("tail-called", 2)
end
local function forwards()
  return callee()
end
io.write(select(2, pcall(function()
  forwards()
end)), "\n")
-- Library errors in tail position carry the line too.
io.write(select(2, pcall(function()
  local function f()
    return table.insert(nil, 1)
  end
  f()
end)), "\n")
-- Results of a callback called in tail position are returned unchanged.
local function packed()
  return select(2, "a", "b", "c")
end
io.write(table.concat({packed()}, ","), "\n")
local function yields()
  return coroutine.yield("out")
end
local wrapped = coroutine.wrap(function()
  local got = yields()
  return "back " .. got
end)
io.write(wrapped(), " ", wrapped("in"), "\n")
