// Publishes messages with the Node sailor's own AMQP code (Amqp#sendData), exactly as a step
// running on elasticio-sailor-nodejs emits data. Input on stdin: a JSON list of
// {message, headers}. Settings come from the ELASTICIO_* environment (PROTOCOL_VERSION picks 1
// or 2); INTEROP_SAILOR_DIR is the installed elasticio-sailor-nodejs package.
'use strict';

const fs = require('fs');
const path = require('path');

const sailorDir = process.env.INTEROP_SAILOR_DIR;
const { Amqp } = require(path.join(sailorDir, 'lib', 'amqp.js'));
const settings = require(path.join(sailorDir, 'lib', 'settings.js')).readFrom(process.env);

async function main() {
    const input = JSON.parse(fs.readFileSync(0, 'utf8'));
    const amqp = new Amqp(settings);
    await amqp.connect();
    for (const { message, headers } of input) {
        await amqp.sendData(message, headers);
        console.log('RESULT ' + JSON.stringify({ sent: headers.messageId }));
    }
    await amqp.disconnect();
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error((err && err.stack) || String(err));
        process.exit(1);
    }
);
