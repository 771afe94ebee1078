"""Plain-Python core of Parley: no Qt and no llama.cpp imports here."""
