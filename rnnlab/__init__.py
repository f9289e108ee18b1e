"""RNN Lab: recurrent neural networks for sentiment classification, as a library.

Everything the dashboard shows is computed here, so it can be used from a notebook or a script with no
Streamlit running. TensorFlow is imported lazily, inside the functions that need it.
"""

__version__ = "0.1.0"
