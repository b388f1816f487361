// The stage page on AWS: the IVS Web Broadcast SDK. It handles the SDK's stage events the
// way AWS's real-time web samples do: one tile per remote participant, streams added and
// removed per kind, mute changes, publish and subscribe failures, errors, connection
// states, and the stage being left for any reason. Untrusted text goes in by textContent.
const joinButton = document.getElementById("join");
const leaveButton = document.getElementById("leave");
const devicesLine = document.getElementById("devices");
const alertLine = document.getElementById("alert");
const preview = document.getElementById("preview");
const remote = document.getElementById("remote");
const alone = document.getElementById("alone");
const VIDEO = {width: {max: 1280}, height: {max: 720}};

let media = null;        // this browser's camera and microphone, or null: nothing to send
let session = null;      // the Stage while this page is on it
const tiles = new Map(); // remote participant id -> {tile, video, label, info, streams}

function tell(text) { devicesLine.textContent = text; }

function warn(text) {
  alertLine.textContent = text;
  alertLine.hidden = !text;
}

// --- the camera and microphone ---------------------------------------------------------

// Browsers expose navigator.mediaDevices only in a secure context: HTTPS, or localhost.
function secure() {
  return window.isSecureContext && !!navigator.mediaDevices &&
    typeof navigator.mediaDevices.getUserMedia === "function";
}

async function grab(constraints) {
  try {
    return {stream: await navigator.mediaDevices.getUserMedia(constraints), error: null};
  } catch (err) {
    return {stream: null, error: err};
  }
}

const DENIED = new Set(["NotAllowedError", "SecurityError"]);

// What this browser can send: camera and microphone, either one alone, or nothing (watch).
// Returns the words for the page and the Join button's label.
async function openDevices() {
  if (!secure()) {
    document.getElementById("insecure").hidden = false;
    return {stream: null, words: "No camera or microphone on a page that is not on HTTPS " +
      "(see above). You can join to watch and listen.", join: "Join to watch"};
  }
  const both = await grab({audio: true, video: VIDEO});
  if (both.stream) {
    return {stream: both.stream, words: "Camera and microphone ready. Join when you are.",
            join: "Join"};
  }
  if (DENIED.has(both.error.name)) {
    return {stream: null, join: "Join to watch", words: "The camera and microphone are " +
      "blocked: permission was denied. Allow them for this site (the camera icon in the " +
      "address bar, or the browser's site settings) and reload, or join to watch and listen."};
  }
  // No camera, no microphone, or one of them busy: try each alone.
  const busy = both.error.name === "NotReadableError" || both.error.name === "AbortError";
  const audio = await grab({audio: true});
  if (audio.stream) {
    return {stream: audio.stream, join: "Join with audio only", words: (busy
      ? "The camera is in use by another program or cannot start"
      : "No camera found") + ": you will join with your microphone only."};
  }
  const video = await grab({video: VIDEO});
  if (video.stream) {
    return {stream: video.stream, join: "Join with video only", words: (busy
      ? "The microphone is in use by another program or cannot start"
      : "No microphone found") + ": you will join with your camera only."};
  }
  return {stream: null, join: "Join to watch", words: (busy
    ? "The camera and microphone are in use by another program or cannot start"
    : "No camera or microphone found") +
    ". You can join to watch and listen, or go on stage from OBS with the WHIP settings below."};
}

async function prepare() {
  const found = await openDevices();
  media = found.stream;
  preview.srcObject = media;
  preview.hidden = !media || media.getVideoTracks().length === 0;
  tell(found.words);
  joinButton.textContent = found.join;
}

function stopMedia() {
  if (media) for (const track of media.getTracks()) track.stop();
  media = null;
  preview.srcObject = null;
  preview.hidden = true;
  tell("Your camera and microphone are off.");
}

// --- remote participants: one tile each -------------------------------------------------

function nameOf(info) {
  const attributes = info.attributes || {};
  return String(attributes.username || info.userId || "A guest");
}

function tileFor(info) {
  let entry = tiles.get(info.id);
  if (!entry) {
    const tile = document.createElement("div");
    tile.className = "tile";
    tile.dataset.participant = info.id;
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    const label = document.createElement("div");
    label.className = "label";
    tile.append(video, label);
    remote.append(tile);
    entry = {tile, video, label, info, streams: new Map(), cannotReceive: false};
    tiles.set(info.id, entry);
  }
  entry.info = info;
  return entry;
}

// The tile shows exactly the participant's current streams, one per kind: re-subscribing
// hands over new stream objects, which replace the old ones instead of adding a tile.
function render(entry) {
  const tracks = [...entry.streams.values()].map(s => s.mediaStreamTrack).filter(Boolean);
  const shown = entry.video.srcObject ? entry.video.srcObject.getTracks() : [];
  const same = shown.length === tracks.length && tracks.every(t => shown.includes(t));
  if (!same) entry.video.srcObject = tracks.length ? new MediaStream(tracks) : null;
  const video = entry.streams.get(KIND.VIDEO);
  const audio = entry.streams.get(KIND.AUDIO);
  const notes = [];
  if (entry.cannotReceive) notes.push("cannot receive their media");
  if (!video) notes.push("no video");
  else if (video.isMuted || entry.info.videoStopped) notes.push("camera off");
  if (!audio) notes.push("no audio");
  else if (audio.isMuted || entry.info.audioMuted) notes.push("muted");
  entry.label.textContent = nameOf(entry.info) + (notes.length ? " (" + notes.join(", ") + ")" : "");
  entry.tile.classList.toggle("novideo", !video || video.isMuted);
}

function dropTile(id) {
  const entry = tiles.get(id);
  if (!entry) return;
  entry.video.srcObject = null;
  entry.tile.remove();
  tiles.delete(id);
}

function showTiles() {
  alone.hidden = tiles.size > 0;
  if (session) alone.textContent = "Nobody else is sending to the stage yet.";
  else alone.textContent = "Once you join, the others on the stage show here.";
}

// --- the stage ---------------------------------------------------------------------------

const SDK = typeof IVSBroadcastClient === "undefined" ? null : IVSBroadcastClient;
const ConnectionState = (SDK && SDK.StageConnectionState) || {};
const ErrorCode = (SDK && SDK.StageErrorCode) || {};
const ErrorCategory = (SDK && SDK.StageErrorCategory) || {};
const PublishState = (SDK && SDK.StageParticipantPublishState) || {};
const SubscribeState = (SDK && SDK.StageParticipantSubscribeState) || {};
const KIND = (SDK && SDK.StreamType) || {VIDEO: "video", AUDIO: "audio"};

// StageLeftReason values, as documented for the SDK. Whether Join works again afterwards:
// a disconnected participant's token and a deleted stage's tokens never work again.
const LEFT = {
  "user-initiated": ["You left the stage.", true],
  "participant-disconnected": ["The broadcaster took you off the stage. You are no longer " +
    "live, and this invitation no longer works.", false],
  "replaced": ["You are no longer on the stage: you went on stage again from your " +
    "terminal, and only the newest stage link works.", false],
  "stage-deleted": ["The stage was deleted. You are no longer live.", false],
  "token-reused": ["You were knocked off the stage: this token joined the stage somewhere " +
    "else (OBS, or another browser tab). The browser and OBS cannot share one token; use " +
    "one of them. Joining here again knocks the other one off.", true],
  "failed-exchange": ["The stage refused this invitation's token. Ask the broadcaster for " +
    "a new invitation.", false],
  "unknown": ["The stage ended the connection. You are no longer live; you can join again.",
    true],
};

// StageErrorCode names with their documented numbers (used when the SDK lacks the enum).
const ERRORS = {
  TOKEN_MALFORMED: [1, "This invitation's token is not valid. Ask the broadcaster for a new " +
    "invitation."],
  TOKEN_EXPIRED: [2, "This invitation has expired. Ask the broadcaster for a new one."],
  TIMEOUT: [3, "The stage did not answer in time. Check the network connection."],
  FAILED: [4, "The connection to the stage failed. Check the network connection."],
  CANCELED: [5, ""],
  STAGE_AT_CAPACITY: [6, "The stage is full."],
  CODEC_MISMATCH: [7, "This browser cannot send or play the H.264 video and Opus audio the " +
    "stage needs. Try a current Chrome, Edge, Firefox or Safari."],
  TOKEN_NOT_ALLOWED: [8, "This invitation's token does not allow that."],
  STAGE_DELETED: [9, "The stage was deleted."],
  PARTICIPANT_DISCONNECTED: [10, "The broadcaster took you off the stage; this invitation " +
    "no longer works."],
};

function errorWords(err) {
  const code = err && err.code;
  for (const [name, [number, words]] of Object.entries(ERRORS)) {
    if (code === (name in ErrorCode ? ErrorCode[name] : number)) return words;
  }
  return "The stage reported a problem: " + String((err && err.message) || err);
}

function sending() { return !!media && media.getTracks().length > 0; }

function live() {
  say(sending() ? "You are live on the stage."
    : "You are on the stage, watching and listening: this browser sends nothing.");
}

// Off the stage, for whatever reason: no tiles, the camera and microphone stopped.
function offStage(words, canJoin, {leave = false} = {}) {
  const stage = session;
  session = null;
  if (leave && stage) {
    try { stage.leave(); } catch (err) { /* leaving is best effort: the page is off anyway */ }
  }
  for (const id of [...tiles.keys()]) dropTile(id);
  showTiles();
  stopMedia();
  leaveButton.disabled = true;
  joinButton.disabled = !canJoin;
  say(words);
  refresh();
}

function listen(stage) {
  const E = SDK.StageEvents;
  // Events of a stage this page has left (or replaced) change nothing.
  const on = (event, handler) => {
    if (event) stage.on(event, (...args) => { if (session === stage) handler(...args); });
  };
  on(E.STAGE_CONNECTION_STATE_CHANGED, state => {
    if (state === ConnectionState.CONNECTING) say("Connecting to the stage…");
    else if (state === ConnectionState.CONNECTED) live();
    else if (state === ConnectionState.DISCONNECTED) say("Not connected to the stage.");
    else if (state === ConnectionState.ERRORED) {
      offStage("The connection to the stage failed. Check the network connection and " +
               "join again.", true, {leave: true});
    }
  });
  on(E.STAGE_LEFT, reason => {
    // Only a newer stage link of their own takes the broadcaster off.
    const key = iAmHost && reason === "participant-disconnected" ? "replaced" : reason;
    const [words, canJoin] = LEFT[key] || LEFT.unknown;
    offStage(words, canJoin);
  });
  on(E.ERROR, err => {
    const words = errorWords(err);
    if (!words) return;
    if (err && err.category === ErrorCategory.PUBLISH_ERROR) {
      warn("Your camera and microphone could not be sent to the stage: " + words);
    } else if (err && err.category === ErrorCategory.SUBSCRIBE_ERROR) {
      warn("Could not receive someone's video or audio: " + words);
    } else {
      warn(words);
    }
  });
  on(E.STAGE_PARTICIPANT_JOINED, info => {
    if (!info.isLocal) { render(tileFor(info)); showTiles(); }
    refresh();
  });
  on(E.STAGE_PARTICIPANT_LEFT, info => {
    if (!info.isLocal) { dropTile(info.id); showTiles(); }
    refresh();
  });
  on(E.STAGE_PARTICIPANT_STREAMS_ADDED, (info, streams) => {
    if (info.isLocal) return;
    const entry = tileFor(info);
    for (const stream of streams) entry.streams.set(stream.streamType, stream);
    render(entry);
    showTiles();
  });
  on(E.STAGE_PARTICIPANT_STREAMS_REMOVED, (info, streams) => {
    const entry = tiles.get(info.id);
    if (info.isLocal || !entry) return;
    for (const stream of streams) {
      const held = entry.streams.get(stream.streamType);
      if (held && held.id === stream.id) entry.streams.delete(stream.streamType);
    }
    render(entry);
  });
  on(E.STAGE_STREAM_MUTE_CHANGED, (info, stream) => {
    const entry = tiles.get(info.id);
    if (info.isLocal || !entry) return;
    entry.info = info;
    if (stream && entry.streams.has(stream.streamType)) entry.streams.set(stream.streamType, stream);
    render(entry);
  });
  on(E.STAGE_PARTICIPANT_PUBLISH_STATE_CHANGED, (info, state) => {
    if (!info.isLocal) return;
    if (state === PublishState.ERRORED) {
      warn("Your camera and microphone could not be sent to the stage. Others cannot see " +
           "or hear you; leave and join again, or check the network connection.");
    } else if (state === PublishState.PUBLISHED) {
      warn("");
    }
  });
  on(E.STAGE_PARTICIPANT_SUBSCRIBE_STATE_CHANGED, (info, state) => {
    const entry = tiles.get(info.id);
    if (!entry) return;
    entry.cannotReceive = state === SubscribeState.ERRORED;
    render(entry);
  });
}

async function join() {
  joinButton.disabled = true;
  warn("");
  // After Leave the tracks are stopped: ask for the camera and microphone again.
  if (!media) await prepare();
  const streams = media ? media.getTracks().map(t => new SDK.LocalStageStream(t)) : [];
  const strategy = {
    stageStreamsToPublish() { return streams; },
    shouldPublishParticipant() { return streams.length > 0; },
    shouldSubscribeToParticipant() { return SDK.SubscribeType.AUDIO_VIDEO; },
  };
  let stage;
  try {
    stage = new SDK.Stage(token, strategy);
  } catch (err) {
    offStage(errorWords(err), false);
    return;
  }
  session = stage;
  listen(stage);
  say("Joining the stage…");
  leaveButton.disabled = false;
  showTiles();
  try {
    await stage.join();
    if (session === stage) live();
  } catch (err) {
    if (session === stage) {
      const words = errorWords(err) || String((err && err.message) || err);
      offStage("Could not join the stage: " + words, true, {leave: true});
    }
  }
  refresh();
}

if (!SDK) {
  say("The IVS Web Broadcast SDK did not load from web-broadcast.live-video.net. " +
      "Check the connection and reload, or join from OBS with the WHIP settings below.");
  tell("");
  if (!secure()) document.getElementById("insecure").hidden = false;
} else {
  joinButton.addEventListener("click", join);
  leaveButton.addEventListener("click", () => {
    offStage("You left the stage. Your camera and microphone are off.", true, {leave: true});
  });
  // Closing the tab leaves the stage at once instead of after the server's timeout.
  window.addEventListener("pagehide", () => { if (session) session.leave(); });
  prepare().then(() => { joinButton.disabled = false; });
  keepListing(() => {});
}
