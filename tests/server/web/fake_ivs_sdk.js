// A stand-in for the IVS Web Broadcast SDK (amazon-ivs-web-broadcast.js), for tests only:
// the same global, enums and Stage/LocalStageStream shapes as the SDK's reference
// documents, and no network. The test fires stage events through window.fakeIvs.
(() => {
  const StageEvents = {
    ERROR: "error",
    STAGE_CONNECTION_STATE_CHANGED: "stageConnectionStateChanged",
    STAGE_LEFT: "stageLeft",
    STAGE_PARTICIPANT_JOINED: "stageParticipantJoined",
    STAGE_PARTICIPANT_LEFT: "stageParticipantLeft",
    STAGE_PARTICIPANT_PUBLISH_STATE_CHANGED: "stageParticipantPublishStateChanged",
    STAGE_PARTICIPANT_STREAMS_ADDED: "stageParticipantStreamsAdded",
    STAGE_PARTICIPANT_STREAMS_REMOVED: "stageParticipantStreamsRemoved",
    STAGE_PARTICIPANT_SUBSCRIBE_STATE_CHANGED: "stageParticipantSubscribeStateChanged",
    STAGE_STREAM_MUTE_CHANGED: "stageStreamMuteChanged",
  };
  const StageConnectionState = {
    CONNECTED: "connected", CONNECTING: "connecting", DISCONNECTED: "disconnected",
    ERRORED: "errored",
  };
  const StageLeftReason = {
    PARTICIPANT_DISCONNECTED: "participant-disconnected", STAGE_DELETED: "stage-deleted",
    TOKEN_REUSED: "token-reused", UNKNOWN: "unknown", USER_INITIATED: "user-initiated",
  };
  const StageErrorCode = {
    TOKEN_MALFORMED: 1, TOKEN_EXPIRED: 2, TIMEOUT: 3, FAILED: 4, CANCELED: 5,
    STAGE_AT_CAPACITY: 6, CODEC_MISMATCH: 7, TOKEN_NOT_ALLOWED: 8, STAGE_DELETED: 9,
    PARTICIPANT_DISCONNECTED: 10,
  };
  const StageErrorCategory = {
    JOIN_ERROR: "JOIN_ERROR", PUBLISH_ERROR: "PUBLISH_ERROR", SUBSCRIBE_ERROR: "SUBSCRIBE_ERROR",
  };
  const StageParticipantPublishState = {
    NOT_PUBLISHED: "not_published", ATTEMPTING_PUBLISH: "attempting_publish",
    PUBLISHED: "published", ERRORED: "errored",
  };
  const StageParticipantSubscribeState = {
    NOT_SUBSCRIBED: "not_subscribed", ATTEMPTING_SUBSCRIBE: "attempting_subscribe",
    SUBSCRIBED: "subscribed", ERRORED: "errored",
  };
  const SubscribeType = {NONE: "none", AUDIO_ONLY: "audio_only", AUDIO_VIDEO: "audio_video"};
  const StreamType = {AUDIO: "audio", VIDEO: "video"};

  let ids = 0;
  const fake = {
    stages: [],        // every Stage the page made, in order
    localStreams: [],  // every LocalStageStream the page made
    joinError: null,   // set to a StageError-like object: the next join() rejects with it
    get stage() { return this.stages[this.stages.length - 1]; },
    participant(userId, username) {
      return {id: "p-" + userId, userId, attributes: {username}, isLocal: false,
              isPublishing: true, audioMuted: false, videoStopped: false};
    },
    // A remote stream with a real track: a painted canvas for video, silence for audio.
    stream(kind, colour = "#2a6") {
      let track;
      if (kind === "video") {
        const canvas = document.createElement("canvas");
        canvas.width = 320;
        canvas.height = 180;
        const paint = () => {
          const g = canvas.getContext("2d");
          g.fillStyle = colour;
          g.fillRect(0, 0, 320, 180);
          g.fillStyle = "white";
          g.font = "24px sans-serif";
          g.fillText("remote camera", 80, 100);
        };
        paint();
        track = canvas.captureStream(10).getVideoTracks()[0];
        setInterval(paint, 100);
      } else {
        track = new AudioContext().createMediaStreamDestination().stream.getAudioTracks()[0];
      }
      return {id: "s-" + (++ids), streamType: kind, mediaStreamTrack: track, isMuted: false};
    },
    fire(event, ...args) { this.stage.emit(StageEvents[event], ...args); },
  };

  class Stage {
    constructor(token, strategy) {
      if (!token) throw new Error("Error parsing Stage Token.");
      this.token = token;
      this.strategy = strategy;
      this.handlers = new Map();
      this.calls = [];
      this.published = [];
      this.local = {id: "p-local", userId: "me", attributes: {}, isLocal: true,
                    isPublishing: false, audioMuted: false, videoStopped: false};
      fake.stages.push(this);
    }
    on(event, handler) {
      if (!this.handlers.has(event)) this.handlers.set(event, []);
      this.handlers.get(event).push(handler);
    }
    off(event, handler) {
      this.handlers.set(event, (this.handlers.get(event) || []).filter(h => h !== handler));
    }
    removeAllListeners() { this.handlers.clear(); }
    emit(event, ...args) {
      for (const handler of [...(this.handlers.get(event) || [])]) handler(...args);
    }
    async join() {
      this.calls.push("join");
      this.emit(StageEvents.STAGE_CONNECTION_STATE_CHANGED, StageConnectionState.CONNECTING);
      await new Promise(resolve => setTimeout(resolve, 0));
      if (fake.joinError) {
        const err = fake.joinError;
        fake.joinError = null;
        this.emit(StageEvents.ERROR, err);
        this.emit(StageEvents.STAGE_CONNECTION_STATE_CHANGED, StageConnectionState.DISCONNECTED);
        throw err;
      }
      this.emit(StageEvents.STAGE_CONNECTION_STATE_CHANGED, StageConnectionState.CONNECTED);
      this.emit(StageEvents.STAGE_PARTICIPANT_JOINED, this.local);
      if (this.strategy.shouldPublishParticipant(this.local)) {
        this.published = this.strategy.stageStreamsToPublish();
        this.local.isPublishing = true;
        this.emit(StageEvents.STAGE_PARTICIPANT_PUBLISH_STATE_CHANGED, this.local,
                  StageParticipantPublishState.PUBLISHED);
      }
    }
    leave() {
      this.calls.push("leave");
      this.emit(StageEvents.STAGE_LEFT, StageLeftReason.USER_INITIATED);
      this.emit(StageEvents.STAGE_CONNECTION_STATE_CHANGED, StageConnectionState.DISCONNECTED);
    }
  }

  class LocalStageStream {
    constructor(track) {
      this.id = "local-" + (++ids);
      this.mediaStreamTrack = track;
      this.streamType = track.kind;
      this.isMuted = false;
      fake.localStreams.push(this);
    }
    setMuted(muted) { this.isMuted = muted; }
  }

  window.fakeIvs = fake;
  window.IVSBroadcastClient = {
    Stage, LocalStageStream, StageEvents, StageConnectionState, StageLeftReason, StageErrorCode,
    StageErrorCategory, StageParticipantPublishState, StageParticipantSubscribeState,
    SubscribeType, StreamType, __version: "stand-in",
  };
})();
