"""Running learner code: protocol and client (imported by the web process), pool, zygote, sandbox and
harness (the only code that imports TensorFlow, and only inside runner processes)."""
