"""What the Streamlit pages share: session-state keys and small helpers."""
