// Module Engine: see ../shared/DESIGN.md (Layout). Placeholder until its issue lands.
enum EngineModule {}
