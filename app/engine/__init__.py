"""The engine: the only package that imports llama_cpp.

``llama_engine.LlamaEngine`` wraps one model for one thread; ``worker.EngineWorker`` owns an
engine on a Qt worker thread and answers the GUI with queued signals.
"""
