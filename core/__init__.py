"""The shared kernel: app errors and their API mapping, the outbox base, COPY helpers, ISBN and
text normalisation, and the state-transition pattern. It imports nothing of ours."""
