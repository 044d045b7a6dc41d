"""The one-machine mode: the local scheduler, the loopback Bybit simulator and the demo."""
