-- Alternates create and delete of the order just created (wrk keeps one connection per client).
local key = os.getenv("BENCH_APIKEY")
local pending = nil
request = function()
  if pending then
    local path = "/api/rent.php?method=delete&apikey=" .. key .. "&id=" .. pending
    pending = nil
    return wrk.format("GET", path)
  end
  return wrk.format("GET", "/api/rent.php?method=create&apikey=" .. key .. "&dtype=week&dcount=1&country=RU&service=opt59")  -- RU: the benchmark serves --dialect documented
end
response = function(status, headers, body)
  local id = string.match(body, '"data":{"id":(%d+)')
  if id then pending = id end
end
