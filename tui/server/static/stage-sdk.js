const joinButton = document.getElementById("join");
const leaveButton = document.getElementById("leave");
let media = null;
let session = null;

async function preview() {
  try {
    media = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: {width: {max: 1280}, height: {max: 720}},
    });
    document.getElementById("preview").srcObject = media;
    joinButton.disabled = false;
    say("Camera and microphone ready. Join when you are.");
  } catch (err) {
    say("No camera or microphone: " + err.message + ". Allow them and reload, or use OBS (WHIP).");
  }
}

function start() {
  const { Stage, LocalStageStream, SubscribeType, StageEvents } = IVSBroadcastClient;
  joinButton.addEventListener("click", async () => {
    joinButton.disabled = true;
    const streams = media.getTracks().map(t => new LocalStageStream(t));
    const strategy = {
      stageStreamsToPublish() { return streams; },
      shouldPublishParticipant() { return true; },
      shouldSubscribeToParticipant() { return SubscribeType.AUDIO_VIDEO; },
    };
    session = new Stage(token, strategy);
    session.on(StageEvents.STAGE_PARTICIPANT_STREAMS_ADDED, (participant, added) => {
      if (participant.isLocal) return;
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.srcObject = new MediaStream(added.map(s => s.mediaStreamTrack));
      video.dataset.participant = participant.id;
      document.getElementById("remote").append(video);
    });
    session.on(StageEvents.STAGE_PARTICIPANT_LEFT, (participant) => {
      for (const v of document.querySelectorAll("video[data-participant]")) {
        if (v.dataset.participant === participant.id) v.remove();
      }
    });
    try {
      await session.join();
      leaveButton.disabled = false;
      say("You are live on the stage.");
    } catch (err) {
      say("Could not join the stage: " + err.message);
      joinButton.disabled = false;
    }
    refresh();
  });
  leaveButton.addEventListener("click", () => {
    if (session) session.leave();
    session = null;
    leaveButton.disabled = true;
    joinButton.disabled = false;
    say("You left the stage.");
    refresh();
  });
  preview();
}

if (typeof IVSBroadcastClient === "undefined") {
  say("The IVS Web Broadcast SDK did not load from web-broadcast.live-video.net. " +
      "Check the connection and reload, or join from OBS with the WHIP settings below.");
} else {
  start();
}
