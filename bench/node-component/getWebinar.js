// getWebinar in plain Node.js, for the benchmark beside `gotowebinar sail`: the same HTTP work as
// the component's action. GET the webinar with the credential's bearer token; on 403 InvalidToken
// refresh the token once at the token endpoint, hand the new keys to the platform (updateKeys)
// and retry. Same environment as the component: GOTO_API_URL, GOTO_AUTH_URL, CITRIX_APP_ID,
// CITRIX_APP_SECRET. No dependencies beyond Node itself.
'use strict';

const crypto = require('crypto');
const http = require('http');
const https = require('https');

const API = process.env.GOTO_API_URL || 'https://api.getgo.com';
const AUTH = process.env.GOTO_AUTH_URL || 'https://authentication.logmeininc.com';
// Connections are reused, as the component's HTTP client does.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

// The step's cfg is read once per process, so a refreshed token is kept here for later messages.
let refreshed = null;

function send(url, options, body) {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
        const req = lib.request(target, { ...options, agent: agents[target.protocol] }, (res) => {
            const chunks = [];
            res.on('data', (chunk) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
        });
        req.setTimeout(30000, () => req.destroy(new Error(`no answer from ${target.origin} within 30 s`)));
        req.on('error', reject);
        req.end(body);
    });
}

function readWebinar(organizerKey, webinarKey, token) {
    const url = `${API}/G2W/rest/v2/organizers/${organizerKey}/webinars/${webinarKey}`;
    return send(url, { method: 'GET', headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } });
}

// GoTo writes keys as JSON numbers beyond 2^53; quoted before parsing so they keep every digit.
function parseWithKeys(text) {
    return JSON.parse(text.replace(/("[A-Za-z]*Key"\s*:\s*)(-?[0-9]+)/g, '$1"$2"'));
}

function invalidToken(answer) {
    if (answer.status !== 403) {
        return false;
    }
    try {
        return JSON.parse(answer.text).int_err_code === 'InvalidToken';
    } catch (e) {
        return false;
    }
}

async function refresh(oauth) {
    const client = Buffer.from(`${process.env.CITRIX_APP_ID}:${process.env.CITRIX_APP_SECRET}`).toString('base64');
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: oauth.refresh_token }).toString();
    const answer = await send(`${AUTH}/oauth/token`, {
        method: 'POST',
        headers: {
            Authorization: `Basic ${client}`,
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json'
        }
    }, form);
    if (answer.status !== 200) {
        // The answer names the OAuth error only; no token is in it.
        throw new Error(`refreshing the GoTo token failed with HTTP ${answer.status}: connect the account again`);
    }
    const fresh = JSON.parse(answer.text);
    // A response without a refresh token keeps the stored one.
    return { ...oauth, ...fresh, refresh_token: fresh.refresh_token || oauth.refresh_token };
}

exports.process = async function getWebinar(msg, cfg) {
    const webinarKey = String((msg.body || {}).webinarKey || '');
    if (!/^[0-9]{1,30}$/.test(webinarKey)) {
        throw new Error('`webinarKey` must be the webinar key: digits only');
    }
    if (!cfg.organizerKey || !cfg.oauth || !cfg.oauth.access_token) {
        throw new Error('the step credential needs `oauth.access_token` and `organizerKey`');
    }
    let oauth = refreshed || cfg.oauth;
    let answer = await readWebinar(cfg.organizerKey, webinarKey, oauth.access_token);
    if (invalidToken(answer)) {
        oauth = await refresh(oauth);
        refreshed = oauth;
        await this.emit('updateKeys', { oauth, organizerKey: cfg.organizerKey });
        answer = await readWebinar(cfg.organizerKey, webinarKey, oauth.access_token);
    }
    if (answer.status !== 200) {
        throw new Error(`GoTo answered HTTP ${answer.status} reading webinar ${webinarKey}`);
    }
    // A new message id, as elasticio-node's messages.newMessageWithBody gives one.
    return { id: crypto.randomUUID(), body: parseWithKeys(answer.text), headers: {}, attachments: {}, metadata: {} };
};
