// `npm run token -- --sub olga --groups ops [--hours 12] [--port 8080]`:
// signs a token for another user of a demo gateway (or of any gateway whose
// HS secret is in GATEWAY_JWT_SECRET). The token goes to stdout alone; the
// link to open it with goes to stderr.
import { readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';

const usage = 'usage: npm run token -- --sub NAME [--groups a,b] [--hours H] [--port P] [--secret-file F]';

function fail(message) {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      sub: { type: 'string' },
      groups: { type: 'string', default: '' },
      hours: { type: 'string', default: '12' },
      port: { type: 'string', default: '8080' },
      'secret-file': { type: 'string' },
    },
    strict: true,
  }));
} catch (error) {
  fail(error.message);
}
if (!options.sub) fail('--sub is required: the user the token names');
const hours = Number(options.hours);
if (!(hours > 0 && hours <= 24 * 30)) fail(`--hours must be a number of hours from 0 to 720, not ${JSON.stringify(options.hours)}`);
const groups = options.groups
  .split(',')
  .map((g) => g.trim())
  .filter(Boolean);

// The same folder as server/demo.ts's demoDirectory().
const secretFile = options['secret-file'] ?? join(tmpdir(), `webterm-demo-${userInfo().uid}`, options.port, 'jwt-secret');
let secret = process.env.GATEWAY_JWT_SECRET;
if (!secret) {
  try {
    secret = readFileSync(secretFile, 'utf8');
  } catch {
    fail(`no secret to sign with: start the demo first (npm start; it writes ${secretFile}), or set GATEWAY_JWT_SECRET`);
  }
}

const token = jwt.sign({ sub: options.sub, groups }, secret, { algorithm: 'HS256', expiresIn: Math.round(hours * 3600) });
console.log(token);
if (options['secret-file'] === undefined && !process.env.GATEWAY_JWT_SECRET) {
  console.error(`Open http://127.0.0.1:${options.port}/#token=${token}`);
}
