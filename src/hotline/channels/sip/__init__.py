"""The voice gateway: pjsua2 media workers answering SIP calls, running the IVR, queueing
callers in the core, ringing agents' phones, bridging, recording and surveying.

It talks to the core only over HTTP and the event stream, as the `channel` service account.
"""
