"""The Textual dashboard (`course tui`). The app is a face over grader.session: no grading logic here."""
