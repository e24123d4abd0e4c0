// Starts dynalite on an ephemeral loopback port, in memory, with tables active
// at once, and prints its URL as the first line of stdout. It stops when its
// stdin closes (so it never outlives the process that started it) or on SIGTERM.
'use strict'
const dynalite = require('dynalite')

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  process.stdout.write(`http://127.0.0.1:${port}\n`)
})
// dynalite rethrows a request's 'error' event (index.js: req.on('error', err
// => { throw err })), so a client that aborts a request mid-body -- as every
// cancelled scan does -- would crash the server for every test after it. A
// client going away is not the server's failure: log it and carry on.
process.on('uncaughtException', (err) => {
  if (err && (err.code === 'ECONNRESET' || err.message === 'aborted')) {
    process.stderr.write(`dynalite: a client aborted a request (${err.code || err.message})\n`)
    return
  }
  throw err
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
