"""Quality assurance (质检): what a call or chat did right and wrong, decided from data.

Pure: nothing here touches the store or the web. The service (`hotline.services.qa`) feeds
recordings and chat transcripts in and stores what comes out.

* `audio` / `vad` - speech intervals of each mono channel (webrtcvad), then dead air,
  talk-over and the agent's talk ratio - computed with or without a speech model;
* `asr` - the `transcribe(audio) -> segments` interface and its faster-whisper backend;
* `phrases` - forbidden and required phrases: Aho-Corasick exact, pinyin (ASR homophones) and
  gap patterns, over KB-folded text;
* `rubric` - the per-center scoring rubric; `rules` - the per-center rule document;
* `analyse` - one call or chat in, findings and a score out.
"""
