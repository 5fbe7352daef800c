// Module GPT: see ../shared/DESIGN.md (Layout). Placeholder until its issue lands.
enum GPTModule {}
