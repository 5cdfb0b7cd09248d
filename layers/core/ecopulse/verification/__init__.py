"""Photo verification: decode an upload safely, classify it, gather fraud and quality signals, combine them.

The modules are plain Python over numpy and Pillow (the inference layer), except ``classifier``, which also
needs onnxruntime, and ``duplicates``, which needs nothing and is shared with the DynamoDB adapter.
"""
