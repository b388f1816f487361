// Sends messages through the official IVS chat messaging SDK (amazon-ivs-chat-messaging),
// one after the other, and prints what each send resolved or rejected with, as JSON.
//
// node chat_sdk_send.cjs '{"url": "ws://...", "token": "...", "expires": "<RFC 3339>",
//                          "messages": [{"content": "...", "attributes": {...}}]}'
// NODE_PATH must reach the SDK's node_modules.
"use strict";

const { ChatRoom, SendMessageRequest } = require("amazon-ivs-chat-messaging");

const config = JSON.parse(process.argv[2]);
const expires = new Date(config.expires);
const deadline = setTimeout(() => {
  console.error("no answer from the room within 20 s");
  process.exit(3);
}, 20000);

const room = new ChatRoom({
  regionOrUrl: config.url,
  tokenProvider: async () => ({
    token: config.token,
    sessionExpirationTime: expires,
    tokenExpirationTime: expires,
  }),
});

// The SDK logs to the console (stdout) at debug level by default: errors only, to stderr.
const quiet = () => {};
room.logger = { debug: quiet, info: quiet, warn: console.error, error: console.error };
room.logLevel = "error";

room.addListener("connect", async () => {
  const results = [];
  for (const message of config.messages) {
    try {
      const sent = await room.sendMessage(
        new SendMessageRequest(message.content, message.attributes),
      );
      results.push({ ok: true, id: sent.id, content: sent.content, attributes: sent.attributes });
    } catch (error) {
      results.push({ ok: false, errorCode: error.errorCode, errorMessage: error.errorMessage });
    }
  }
  console.log(`RESULTS ${JSON.stringify(results)}`);
  clearTimeout(deadline);
  room.disconnect();
});
room.addListener("disconnect", (reason) => {
  if (reason !== "clientDisconnect") {
    console.error(`disconnected: ${reason}`);
    process.exit(4);
  }
});
room.connect();
