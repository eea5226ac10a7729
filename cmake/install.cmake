# install.cmake — what `cmake --install` puts where. include()d at the end of the
# top-level CMakeLists.txt. Honours DESTDIR and an install-time --prefix:
#
#   DESTDIR=/tmp/stage cmake --install build --prefix /usr
#
#   /usr/bin/self-heal
#   /usr/lib/systemd/system/self-heal.{socket,service}
#   /usr/lib/sysusers.d/self-heal.conf, /usr/lib/tmpfiles.d/self-heal.conf
#   /usr/lib/systemd/catalog/self-heal.catalog
#   /usr/lib/self-heal/handlers/*, /usr/lib/self-heal/handler-lib.sh
#   /usr/share/doc/self-heal/examples/ (drop-in and handler .conf examples)
#   /etc/self-heal/self-heal.conf, /etc/self-heal/handlers.d/ (empty)
#   /etc/sudoers.d/self-heal (0440)
#   /usr/share/man/man{5,7,8}/ (man/*.5, *.7, *.8)
#   /usr/share/self-heal/prometheus/ (examples/prometheus/)
#
# Files under /etc are the operator's: an install never overwrites one that
# exists and differs from the shipped version; the shipped one goes beside it
# as NAME.dist, with a message saying so (packages handle this as conffiles).
#
# Destinations are relative (to the prefix) wherever possible, so that --prefix
# given at install time applies: an absolute ${CMAKE_INSTALL_PREFIX}/… would be
# frozen at configure time. systemd's directories are always "lib", never
# CMAKE_INSTALL_LIBDIR (lib/x86_64-linux-gnu on Debian); systemd also reads
# them below /usr/local, so the default prefix works for a local install.
#
# Files other people write (catalog, example config, handlers) may not exist yet;
# they are installed if present *at install time* (OPTIONAL, or a glob done by
# install(DIRECTORY)), so adding them needs no re-configure.

set(_sh_src ${CMAKE_CURRENT_SOURCE_DIR})

install(TARGETS self-heal RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS deliver-escalations RUNTIME DESTINATION lib/self-heal)

install(FILES units/self-heal.socket units/self-heal.service
              units/self-heal-escalations.path units/self-heal-escalations.service
              units/self-heal-recover.service
        DESTINATION lib/systemd/system)
install(FILES units/sysusers.d/self-heal.conf DESTINATION lib/sysusers.d)
install(FILES units/tmpfiles.d/self-heal.conf DESTINATION lib/tmpfiles.d)
install(FILES src/journal/self-heal.catalog
        DESTINATION lib/systemd/catalog OPTIONAL)

# Handlers: every file in handlers.d/ except their .conf examples (below),
# handler-lib.sh (its own place) and docs; scripts are made executable here.
install(DIRECTORY handlers.d/ DESTINATION lib/self-heal/handlers
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                         GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE
        PATTERN "*.conf" EXCLUDE
        PATTERN "*.example" EXCLUDE
        PATTERN "handler-lib.sh" EXCLUDE
        PATTERN "README*" EXCLUDE
        PATTERN "*.md" EXCLUDE)
install(FILES handlers.d/handler-lib.sh DESTINATION lib/self-heal OPTIONAL)

# A handler .conf enables a handler when copied to /etc/self-heal/handlers.d,
# which is the operator's decision: they ship as examples only.
install(DIRECTORY handlers.d/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/handlers.d
        FILES_MATCHING PATTERN "*.conf" PATTERN "*.example")
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/examples/handlers.d)
  install(DIRECTORY examples/handlers.d/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/handlers.d)
endif()
install(FILES units/self-heal.socket.d-port.conf.example
              units/self-heal.service.d-auth.conf.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# /etc. GNUInstallDirs turns SYSCONFDIR into /etc only when CMAKE_INSTALL_PREFIX
# is /usr at configure time (as packaging does); for a tree configured with the
# default prefix and installed with --prefix /usr (as the integration tests do),
# decide at install time: /usr → /etc, any other prefix → PREFIX/etc.
# file(INSTALL) prepends DESTDIR itself.
install(CODE "set(_sh_sysconfdir [[${CMAKE_INSTALL_SYSCONFDIR}]])
  set(_sh_src [[${_sh_src}]])"
  CODE [[
  if(IS_ABSOLUTE "${_sh_sysconfdir}")
    set(_sh_etc "${_sh_sysconfdir}/self-heal")
  elseif(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(_sh_etc "/etc/self-heal")
  else()
    set(_sh_etc "${CMAKE_INSTALL_PREFIX}/${_sh_sysconfdir}/self-heal")
  endif()
  # An empty directory (file(INSTALL) has nothing to copy for it, so DESTDIR by hand).
  message(STATUS "Installing: $ENV{DESTDIR}${_sh_etc}/handlers.d")
  file(MAKE_DIRECTORY "$ENV{DESTDIR}${_sh_etc}/handlers.d")
  # Never overwrite an operator's file: if the target exists and differs, the
  # shipped version goes beside it as NAME.dist.
  function(_sh_install_etc src dir mode)
    get_filename_component(_name "${src}" NAME)
    set(_target "$ENV{DESTDIR}${dir}/${_name}")
    if(EXISTS "${_target}")
      file(SHA256 "${_target}" _old)
      file(SHA256 "${src}" _new)
      if(NOT _old STREQUAL _new)
        file(INSTALL DESTINATION "${dir}" TYPE FILE PERMISSIONS ${mode}
             RENAME "${_name}.dist" FILES "${src}")
        message(NOTICE "self-heal: kept your ${dir}/${_name} (it differs from the "
                       "shipped one); installed the shipped version as ${dir}/${_name}.dist")
        return()
      endif()
    endif()
    file(INSTALL DESTINATION "${dir}" TYPE FILE PERMISSIONS ${mode} FILES "${src}")
  endfunction()
  # sudo ignores a file in /etc/sudoers.d unless it is 0440 (and root-owned).
  if(EXISTS "${_sh_src}/sudoers.d/self-heal")
    get_filename_component(_sh_sudoers "${_sh_etc}/../sudoers.d" ABSOLUTE)
    _sh_install_etc("${_sh_src}/sudoers.d/self-heal" "${_sh_sudoers}" "OWNER_READ;GROUP_READ")
  endif()
  if(EXISTS "${_sh_src}/examples/self-heal.conf")
    _sh_install_etc("${_sh_src}/examples/self-heal.conf" "${_sh_etc}"
                    "OWNER_READ;OWNER_WRITE;GROUP_READ;WORLD_READ")
  endif()
  ]])

# Man pages and the Prometheus examples, globbed at install time (the folders
# may not exist yet, or gain files without a re-configure).
install(CODE "set(_sh_src [[${_sh_src}]])"
  CODE [[
  foreach(_sec 5 7 8)
    file(GLOB _pages "${_sh_src}/man/*.${_sec}")
    if(_pages)
      file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/share/man/man${_sec}" TYPE FILE
           PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES ${_pages})
    endif()
  endforeach()
  if(IS_DIRECTORY "${_sh_src}/examples/prometheus")
    file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/share/self-heal" TYPE DIRECTORY
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         FILES "${_sh_src}/examples/prometheus")
  endif()
  ]])
