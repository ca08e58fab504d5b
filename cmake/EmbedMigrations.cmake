# Compiles a daemon's numbered migrations/*.sql into a C array so the binary
# carries its own schema history (no install path to configure in containers).
function(echochat_embed_migrations target dir)
  file(GLOB sql_files CONFIGURE_DEPENDS "${dir}/*.sql")
  list(SORT sql_files)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}_migrations.c")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DFILES="${sql_files}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_migrations_gen.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/embed_migrations_gen.cmake
    COMMENT "Embedding migrations for ${target}")
  target_sources(${target} PRIVATE "${out}")
endfunction()
