// Module JSON: see ../shared/DESIGN.md (Layout). Placeholder until its issue lands.
enum JSONModule {}
