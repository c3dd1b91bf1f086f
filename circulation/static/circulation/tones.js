/* Short tones for scanner pages (the desk, stocktakes), made with the Web Audio API: nothing to
   download. circulationTone(kind) plays "ok", "reader", "warn" or "refused"; a device without
   sound stays silent and the page's colour still says what happened. */
window.circulationTone = (function () {
  "use strict";

  var TONES = {
    ok: [[880, 0.09]],
    reader: [[1320, 0.06], [1760, 0.06]],
    warn: [[660, 0.12], [880, 0.12]],
    refused: [[220, 0.18], [180, 0.25]]
  };
  var audio = null;

  return function play(kind) {
    if (!TONES[kind]) { kind = "refused"; }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") { audio.resume(); }
      var start = audio.currentTime;
      TONES[kind].forEach(function (tone) {
        var oscillator = audio.createOscillator(), gain = audio.createGain();
        oscillator.type = kind === "refused" ? "square" : "sine";
        oscillator.frequency.value = tone[0];
        gain.gain.setValueAtTime(0.15, start);
        gain.gain.exponentialRampToValueAtTime(0.001, start + tone[1]);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(start);
        oscillator.stop(start + tone[1]);
        start += tone[1] + 0.02;
      });
    } catch (error) { /* no sound on this device */ }
  };
})();
