/* device_sip.h — private link between the device (device.c) and its SIP
 * listener (device_sip.c): the device owns the listener and frees it. */
#ifndef SPAPROV_DEVICE_SIP_H
#define SPAPROV_DEVICE_SIP_H
#include "spaprov/device.h"

typedef struct spa_device_sip spa_device_sip;

/* Where the device keeps its listener. */
spa_device_sip **spa_device_sip_slot(spa_device *dev);
const spa_device_sip *spa_device_sip_get(const spa_device *dev);
/* Close the socket and free (NULL is fine). */
void spa_device_sip_free(spa_device_sip *s);

#endif
