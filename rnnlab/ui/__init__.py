"""What the Streamlit pages share, one module per job: the app frame, widget state, the session and its jobs, run
names and stored runs, progress, the data set, guards, page parts, the sidebar, and each page's own views."""
